// MariaDB on lab hosts for tests (test code): SQL as root on a server's Unix socket, a datadir
// initialised as mysql, rows seeded fast, a plain server started detached (`plainMariaDb`: tests
// make servers that the product then adopts), and a Debian layout put back as it was. Runs the
// commands of commands.ts through the lab's exec (no SSH); every call is bounded and its error
// names the host.
import { cpSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { exec, findHost, LabError, type Lab, type LabHost } from '../../lab'
import { hostRoot } from '../../lab/host-files'
import { alive } from '../../lab/procs'
import { waitFor } from '../../lab/run'
import {
  DEBIAN_DATADIR,
  DEBIAN_SOCKET,
  installDbArgv,
  mariadbdArgv,
  plainPaths,
  SEED_ROW_BYTES,
  seedInsertSql,
  seedTableSql,
  sqlArgv,
  START_DETACHED,
  tableBytesSql,
  type PlainOptions,
  type PlainPaths,
} from './commands'

type HostRef = string | LabHost
const nameOf = (h: HostRef) => (typeof h === 'string' ? h : h.name)

/** argv on the host as `user` (root by default), at most `timeoutMs`; stdout, or an error naming the host. */
async function onHost(lab: Lab, host: HostRef, argv: string[], what: string, o: { user?: string; timeoutMs: number }): Promise<string> {
  let r
  try {
    r = await exec(host, argv, { lab, user: o.user, timeoutMs: o.timeoutMs })
  } catch (err) {
    const msg = String((err as Error).message)
    throw new LabError(`${nameOf(host)}: ${what}: ${/timed out after/.test(msg) ? `no answer within ${o.timeoutMs} ms` : msg}`)
  }
  if (r.code !== 0) throw new LabError(`${nameOf(host)}: ${what} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`)
  return r.stdout
}

export interface SqlOptions {
  /** Default: the Debian server's /run/mysqld/mysqld.sock. */
  socket?: string
  /** Default 30 s. */
  timeoutMs?: number
}

/** SQL as root@localhost (unix_socket) on the host's server; its output without the last newline. */
export async function mariadbSql(lab: Lab, host: HostRef, sql: string, o: SqlOptions = {}): Promise<string> {
  const socket = o.socket ?? DEBIAN_SOCKET
  const short = sql.length > 80 ? `${sql.slice(0, 77)}...` : sql
  const out = await onHost(lab, host, sqlArgv(sql, socket), `mariadb on ${socket} -e ${JSON.stringify(short)}`, { timeoutMs: o.timeoutMs ?? 30_000 })
  return out.replace(/\n$/, '')
}

/** The same, split into rows of columns (tab-separated, as --batch prints them). */
export async function mariadbRows(lab: Lab, host: HostRef, sql: string, o: SqlOptions = {}): Promise<string[][]> {
  const out = await mariadbSql(lab, host, sql, o)
  return out === '' ? [] : out.split('\n').map((l) => l.split('\t'))
}

/** Makes DATADIR (parents as root, itself mysql's, 0750). Args: DATADIR. */
const MAKE_DATADIR = String.raw`mkdir -p -- "$(dirname -- "$1")" && install -d -o mysql -g mysql -m 0750 -- "$1"`

/**
 * mariadb-install-db as mysql. Without `dataDir`: the Debian layout (/var/lib/mysql, read from the
 * host's /etc/mysql). With it: that dir, made when missing; `noDefaults` reads no option file.
 */
export async function initMariaDbDataDir(lab: Lab, host: HostRef, o: { dataDir?: string; noDefaults?: boolean; timeoutMs?: number } = {}): Promise<void> {
  const timeoutMs = o.timeoutMs ?? 60_000
  if (o.dataDir) await onHost(lab, host, ['sh', '-c', MAKE_DATADIR, 'sh', o.dataDir], `making ${o.dataDir}`, { timeoutMs })
  await onHost(lab, host, installDbArgv(o), `mariadb-install-db${o.dataDir ? ` --datadir=${o.dataDir}` : ''}`, { user: 'mysql', timeoutMs })
}

export interface SeedOptions {
  /** MiB of rows to add (rows of ~1 KiB). */
  megabytes: number
  socket?: string
  /** Default `seed`.`rows`; created when missing, appended to otherwise. */
  database?: string
  table?: string
  /** Default 60 s, or 0.5 s per MiB when more. */
  timeoutMs?: number
}

export interface SeedResult {
  rows: number
  firstId: number
  lastId: number
  /** The INSERTs alone, as the test process saw them. */
  ms: number
  mbPerSecond: number
  /** The table's .ibd size after the seed. */
  tableBytes: number
}

/** Adds `megabytes` MiB of rows with INSERT … SELECT from the SEQUENCE engine (~64 MiB per statement). */
export async function seedRows(lab: Lab, host: HostRef, o: SeedOptions): Promise<SeedResult> {
  const database = o.database ?? 'seed'
  const table = o.table ?? 'rows'
  const rows = Math.max(1, Math.round((o.megabytes * 1024 * 1024) / SEED_ROW_BYTES))
  const after = Number(await mariadbSql(lab, host, seedTableSql(database, table), { socket: o.socket }))
  const t0 = performance.now()
  await mariadbSql(lab, host, seedInsertSql(database, table, after, rows), { socket: o.socket, timeoutMs: o.timeoutMs ?? Math.max(60_000, o.megabytes * 500) })
  const ms = performance.now() - t0
  const tableBytes = Number(await mariadbSql(lab, host, tableBytesSql(database, table), { socket: o.socket }))
  return { rows, firstId: after + 1, lastId: after + rows, ms, mbPerSecond: (rows * SEED_ROW_BYTES) / 1048576 / (ms / 1000), tableBytes }
}

export interface PlainMariaDb extends PlainPaths {
  host: string
  port: number
  dataDir: string
  /** mariadbd's pid (the lab has no pid namespace: the same number on the machine). */
  pid: number
  /** How it was started (mariadbd and its options). */
  argv: string[]
  sql(sql: string, o?: { timeoutMs?: number }): Promise<string>
  /** SIGTERM, then waits until it exited (default at most 30 s, then an error). A no-op once gone. */
  stop(o?: { timeoutMs?: number }): Promise<void>
  /** Stops it, then removes the datadir and the socket. */
  remove(): Promise<void>
}

/** True while `pid` is a live mariadbd of `dataDir` (never signal a reused pid). */
function isServerOf(pid: number, dataDir: string): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
    return alive([pid]).length === 1 && cmdline.includes(`--datadir=${dataDir}`)
  } catch {
    return false
  }
}

/**
 * Starts a plain server on a datadir that holds one already (as mysql, detached, bounded): every
 * setting on the command line, socket /run/mysqld/plain-PORT.sock unless given.
 */
export async function startPlainMariaDb(lab: Lab, host: HostRef, o: PlainOptions & { timeoutMs?: number }): Promise<PlainMariaDb> {
  const h = findHost(lab, host)
  const paths = plainPaths(o)
  const argv = mariadbdArgv(o)
  const secs = Math.ceil((o.timeoutMs ?? 30_000) / 1000)
  const out = await onHost(lab, h, ['sh', '-c', START_DETACHED, 'sh', paths.socket, paths.errorLog, String(secs), ...argv], `starting mariadbd on port ${o.port} (${o.dataDir})`, {
    user: 'mysql',
    timeoutMs: (secs + 10) * 1000,
  })
  const pid = Number(out.trim())
  const server: PlainMariaDb = {
    ...paths,
    host: h.name,
    port: o.port,
    dataDir: o.dataDir,
    pid,
    argv,
    sql: (sql, so = {}) => mariadbSql(lab, h, sql, { socket: paths.socket, timeoutMs: so.timeoutMs }),
    async stop(so = {}) {
      if (!isServerOf(pid, o.dataDir)) return
      process.kill(pid, 'SIGTERM')
      await waitFor(`${h.name}: mariadbd ${pid} (${o.dataDir}) to exit after SIGTERM`, () => alive([pid]).length === 0, so.timeoutMs ?? 30_000)
    },
    async remove() {
      await server.stop()
      await onHost(lab, h, ['rm', '-rf', '--', o.dataDir, paths.socket, `${paths.socket}.lock`], `removing ${o.dataDir}`, { timeoutMs: 30_000 })
    },
  }
  return server
}

/**
 * The fixture: a PLAIN server as an admin makes one by hand — mariadb-install-db of `dataDir`
 * (unix_socket for root) and mariadbd on `port`, started as mysql and detached; resolves once it
 * answers on its socket. Call `remove()` when the test ends.
 */
export async function plainMariaDb(lab: Lab, host: HostRef, o: PlainOptions & { timeoutMs?: number }): Promise<PlainMariaDb> {
  await initMariaDbDataDir(lab, host, { dataDir: o.dataDir, noDefaults: true })
  return startPlainMariaDb(lab, host, o)
}

/** Stops and disables the unit, empties /var/lib/mysql, removes the server's socket and pid file (plain servers' stay). */
const RESET_DEBIAN = String.raw`systemctl disable --now mariadb.service >/dev/null 2>&1
find /var/lib/mysql -mindepth 1 -delete && rm -f /run/mysqld/mysqld.sock /run/mysqld/mysqld.sock.lock /run/mysqld/mysqld.pid`

/**
 * Puts a host's Debian layout back as the lab made it: the unit stopped and disabled, an empty
 * /var/lib/mysql, and /etc/mysql a fresh copy of the machine's.
 */
export async function resetDebianMariaDb(lab: Lab, host: HostRef): Promise<void> {
  const h = findHost(lab, host)
  await onHost(lab, h, ['sh', '-c', RESET_DEBIAN], `resetting ${DEBIAN_DATADIR}`, { timeoutMs: 90_000 })
  // The host's /etc/mysql is bound from its dir on the machine: refilled there, the dir itself
  // kept (a new dir would not be the one the host's mount shows).
  const etc = join(hostRoot(h.dir), 'etc/mysql')
  for (const entry of readdirSync(etc)) rmSync(join(etc, entry), { recursive: true, force: true })
  cpSync('/etc/mysql', etc, { recursive: true, verbatimSymlinks: true })
}
