// The MariaDB commands that lab tests run on hosts, in one place (test code): the client on a
// server's Unix socket as root, mariadb-install-db, a plain mariadbd started detached, and the
// SQL that seeds rows. Pure argv and SQL builders; lab.ts runs them.

/** Debian's own server on a lab host: its unit (the systemctl stand-in runs it), datadir and socket. */
export const DEBIAN_UNIT = 'mariadb.service'
export const DEBIAN_DATADIR = '/var/lib/mysql'
export const DEBIAN_SOCKET = '/run/mysqld/mysqld.sock'

/** Seconds the client waits for a connection before it gives up (the whole call has its own bound). */
const CONNECT_TIMEOUT_S = 5

/** `mariadb` on SOCKET, no option files, rows as tab-separated lines without a header; SQL from -e. */
export function sqlArgv(sql: string, socket = DEBIAN_SOCKET): string[] {
  return ['mariadb', '--no-defaults', `--socket=${socket}`, `--connect-timeout=${CONNECT_TIMEOUT_S}`, '--batch', '--skip-column-names', '-e', sql]
}

/**
 * mariadb-install-db, run as mysql: system tables with root@localhost (and mysql@localhost, the
 * user running it) authenticated by unix_socket, as Debian's own packages do. `dataDir` unset:
 * the datadir of the host's /etc/mysql (Debian layout); `noDefaults`: read no option file.
 */
export function installDbArgv(o: { dataDir?: string; noDefaults?: boolean } = {}): string[] {
  return [
    'mariadb-install-db',
    ...(o.noDefaults ? ['--no-defaults'] : []), // must come first
    ...(o.dataDir ? [`--datadir=${o.dataDir}`] : []),
    '--auth-root-authentication-method=socket',
    '--skip-test-db',
  ]
}

export interface PlainOptions {
  port: number
  dataDir: string
  /** Default /run/mysqld/plain-PORT.sock (the product's own plain servers use rd-PORT.sock). */
  socket?: string
  /** Default 0.0.0.0: the other hosts reach it (replication). */
  bindAddress?: string
  /** More mariadbd options, e.g. ['--server-id=7', '--log-bin=binlog']. */
  args?: string[]
}

export interface PlainPaths {
  socket: string
  /** In the datadir, as the product's plain servers keep theirs. */
  pidFile: string
  errorLog: string
}

export function plainPaths(o: PlainOptions): PlainPaths {
  return {
    socket: o.socket ?? `/run/mysqld/plain-${o.port}.sock`,
    pidFile: `${o.dataDir}/mariadbd.pid`,
    errorLog: `${o.dataDir}/mariadbd.err`,
  }
}

/**
 * A plain server as an admin starts one by hand: every setting on the command line (no option
 * file read, so the host's /etc/mysql changes nothing), visible in `ps`.
 */
export function mariadbdArgv(o: PlainOptions): string[] {
  const p = plainPaths(o)
  return [
    '/usr/sbin/mariadbd',
    '--no-defaults', // must come first
    `--datadir=${o.dataDir}`,
    `--port=${o.port}`,
    `--bind-address=${o.bindAddress ?? '0.0.0.0'}`,
    `--socket=${p.socket}`,
    `--pid-file=${p.pidFile}`,
    `--log-error=${p.errorLog}`,
    ...(o.args ?? []),
  ]
}

/**
 * As mysql, on the host: starts "$@" (mariadbd) in its own session, detached from this call, and
 * waits until it answers on SOCKET (mariadb-admin ping answers even when access is refused), at
 * most SECONDS; prints its pid. Fails at once, with the error log's tail, when it exits first.
 * Args: SOCKET ERRORLOG SECONDS ARGV…
 */
export const START_DETACHED = String.raw`sock=$1 log=$2 secs=$3; shift 3
cd / || exit 1
setsid "$@" </dev/null >/dev/null 2>&1 &
pid=$!
end=$(( $(date +%s) + secs ))
while :; do
  state=$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)
  if [ -z "$state" ] || [ "$state" = Z ]; then
    echo "mariadbd exited while starting; its error log ($log) ends:" >&2
    tail -n 15 "$log" >&2 2>/dev/null
    exit 1
  fi
  if [ -S "$sock" ] && mariadb-admin --no-defaults --socket="$sock" --connect-timeout=1 ping >/dev/null 2>&1; then
    echo "$pid"
    exit 0
  fi
  if [ "$(date +%s)" -ge "$end" ]; then
    echo "mariadbd (pid $pid) does not answer on $sock after $secs s" >&2
    exit 1
  fi
  sleep 0.05
done`

/** Rows of about 1 KiB: a 1024-character pad (hex, incompressible enough for a copy's speed) and an id. */
export const SEED_ROW_BYTES = 1024
/** Rows per INSERT … SELECT: ~64 MiB per statement keeps each transaction moderate. */
export const SEED_CHUNK_ROWS = 65_536

const ident = (name: string) => {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a plain SQL identifier: ${JSON.stringify(name)}`)
  return '`' + name + '`'
}

/** The seed table: created when missing, appended to otherwise. */
export function seedTableSql(database: string, table: string): string {
  return [
    `CREATE DATABASE IF NOT EXISTS ${ident(database)}`,
    `CREATE TABLE IF NOT EXISTS ${ident(database)}.${ident(table)} (id BIGINT PRIMARY KEY, pad VARCHAR(${SEED_ROW_BYTES}) NOT NULL) ENGINE=InnoDB`,
    `SELECT COALESCE(MAX(id), 0) FROM ${ident(database)}.${ident(table)}`,
  ].join(';\n')
}

/**
 * INSERT … SELECT from the SEQUENCE engine (seq_FROM_to_TO, built into MariaDB), ids after `after`,
 * one statement per chunk, each committed on its own.
 */
export function seedInsertSql(database: string, table: string, after: number, rows: number): string {
  const statements: string[] = []
  for (let from = after + 1; from <= after + rows; from += SEED_CHUNK_ROWS) {
    const to = Math.min(from + SEED_CHUNK_ROWS - 1, after + rows)
    statements.push(`INSERT INTO ${ident(database)}.${ident(table)} SELECT seq, REPEAT(MD5(seq), ${SEED_ROW_BYTES / 32}) FROM ${ident(database)}.seq_${from}_to_${to}`)
  }
  return statements.join(';\n')
}

/** The table's .ibd size in bytes, as InnoDB reports it. */
export function tableBytesSql(database: string, table: string): string {
  ident(database)
  ident(table)
  return `SELECT FILE_SIZE FROM information_schema.INNODB_SYS_TABLESPACES WHERE NAME = '${database}/${table}'`
}
