// SQL on a member, run as the server's own admin: `mariadb` as the mysql user through the
// member's Unix socket (unix_socket authentication: mariadb-install-db and Debian both make
// mysql@localhost and root@localhost that way), the SQL text on stdin (never in argv, where
// size and quoting matter and the activity log would show it), bounded, the rows parsed
// (`--batch`: tab separated, NULL as NULL, \t \n \\ \0 escaped) and the client's
// "ERROR 1045 (28000): …" turned into an AppError naming host, member and what to do.
import { createHash } from 'node:crypto'
import { AppError } from '../../../../shared/errors'
import type { ExecOptions } from '../../ssh'
import { mariaError } from './errors'
import { socketOf, who, type MariaMember } from './model'
import type { Command, MariaNode } from './node'

export type Row = (string | null)[]

/** How long one batch of SQL may take, unless the caller says. */
export const SQL_TIMEOUT_MS = 30_000
const CONNECT_TIMEOUT_S = 10

/** The client's argv for a member's socket (no option files read: nothing on the host changes what runs). */
export const clientArgv = (m: Pick<MariaMember, 'socket' | 'layout' | 'port'>, withNames = false) => ['mariadb', '--no-defaults', `--socket=${socketOf(m)}`, '--batch', ...(withNames ? [] : ['--skip-column-names']), `--connect-timeout=${CONNECT_TIMEOUT_S}`]

/** `mariadb` as mysql over the member's socket; the SQL goes on stdin. */
export const sqlCommand = (n: MariaNode, note?: string): Command => n.mysql(clientArgv(n.member), note ?? 'SQL on stdin, as mysql@localhost (unix_socket)')

/** `mariadb` as the SSH login itself (its own unix_socket user: the status login). */
export const loginSqlCommand = (n: MariaNode, note?: string): Command => n.login(clientArgv(n.member), note ?? 'SQL on stdin, as the login (unix_socket)')

function unescapeField(f: string): string | null {
  if (f === 'NULL') return null
  return f.replace(/\\(.)/g, (_, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c === '0' ? '\0' : c))
}

/** Rows of `--batch --skip-column-names` output (every result set of the batch, in order). A string 'NULL' reads as null: select IFNULL(x, '') where that matters. */
export function parseRows(stdout: string): Row[] {
  return stdout
    .split('\n')
    .filter((line, i, all) => line !== '' || i < all.length - 1)
    .map((line) => line.split('\t').map(unescapeField))
}

/** The client's error line: "ERROR 1045 (28000): Access denied …" / "ERROR 1054 (42S22) at line 1: …". */
export function parseSqlError(stderr: string): { errno: number; sqlstate: string; text: string } | undefined {
  const m = /ERROR (\d+) \(([0-9A-Z]{5})\)(?: at line \d+)?: ([^\n]*)/.exec(stderr)
  return m ? { errno: Number(m[1]), sqlstate: m[2]!, text: m[3]!.trim() } : undefined
}

/** The AppError for a failed client run on a member (`as`: the MariaDB account it logged in as). */
export function sqlFailure(m: MariaMember, stderr: string, exitCode: number | null, as = 'mysql'): AppError {
  const e = parseSqlError(stderr)
  const at = `${who(m)} (socket ${socketOf(m)})`
  const detail = { host: m.host, member: m.name, errno: e?.errno, sqlstate: e?.sqlstate }
  if (!e) return mariaError('sql_failed', `The MariaDB client failed on ${at} (exit ${exitCode ?? 'none'}): ${stderr.trim().split('\n').at(-1) || 'no message'}. Check that the mariadb client is installed there.`, detail)
  if (e.errno === 2002 || e.errno === 2003 || e.errno === 2006 || e.errno === 2013) {
    return mariaError('cluster_state', `MariaDB ${at} does not answer: ${e.text}. Check that it runs (its error log says why not) and that the member's socket is right.`, detail)
  }
  if (e.errno === 1045 || e.errno === 1698) {
    const fix = as === 'mysql' ? `As root there: mariadb -e "CREATE USER IF NOT EXISTS mysql@localhost IDENTIFIED VIA unix_socket; GRANT ALL ON *.* TO mysql@localhost WITH GRANT OPTION"` : `Adopt or create the cluster again so ReplicaDesk makes the ${as}@localhost login (unix_socket)`
    return mariaError('preflight_failed', `MariaDB ${at} refused the login ${as}@localhost through unix_socket: ${e.text}. ${fix}.`, detail)
  }
  return mariaError('sql_failed', `MariaDB ${at} answered ERROR ${e.errno} (${e.sqlstate}): ${e.text}`, detail)
}

/**
 * Runs SQL (one or several statements, on stdin) as mysql@localhost and returns the rows of
 * every result set in order. Rejects with sqlFailure's error, or the SSH layer's (timeout, sudo).
 */
export async function runSql(n: MariaNode, sql: string, opts: Pick<ExecOptions, 'timeoutMs'> = {}): Promise<Row[]> {
  return runWith(n, sqlCommand(n), sql, 'mysql', opts)
}

/** The same as the SSH login's own MariaDB account (unix_socket), e.g. to prove the status login works. */
export async function runSqlAsLogin(n: MariaNode, sql: string, login: string, opts: Pick<ExecOptions, 'timeoutMs'> = {}): Promise<Row[]> {
  return runWith(n, loginSqlCommand(n), sql, login, opts)
}

async function runWith(n: MariaNode, cmd: Command, sql: string, as: string, opts: Pick<ExecOptions, 'timeoutMs'>): Promise<Row[]> {
  const r = await n.run(cmd, { timeoutMs: opts.timeoutMs ?? SQL_TIMEOUT_MS, stdin: sql.endsWith('\n') ? sql : `${sql}\n`, okExitCodes: [0, 1] })
  if (r.exitCode !== 0) throw sqlFailure(n.member, r.stderr, r.exitCode, as)
  return parseRows(r.stdout)
}

/**
 * One statement whose rows are read by column name (SHOW ALL SLAVES STATUS, SHOW MASTER
 * STATUS: their column order differs between versions). One result set only.
 */
export async function runSqlNamed(n: MariaNode, sql: string, opts: Pick<ExecOptions, 'timeoutMs'> = {}): Promise<Record<string, string | null>[]> {
  const [head, ...rows] = await runWith(n, n.mysql(clientArgv(n.member, true), 'SQL on stdin, as mysql@localhost (unix_socket)'), sql, 'mysql', opts)
  if (!head) return []
  return rows.map((r) => Object.fromEntries(head.map((h, i) => [h ?? '', r[i] ?? null])))
}

/** The first column of the first row (null when there is none). */
export async function sqlValue(n: MariaNode, sql: string, opts: Pick<ExecOptions, 'timeoutMs'> = {}): Promise<string | null> {
  return (await runSql(n, sql, opts))[0]?.[0] ?? null
}

function noNul(s: string): string {
  if (s.includes('\0')) throw new AppError('invalid_input', 'A SQL value cannot contain a NUL byte.')
  return s
}

/**
 * A string literal for the few values that must be inlined (names, addresses, positions,
 * generated passwords). A backslash is refused: whether it escapes depends on the server's
 * sql_mode (NO_BACKSLASH_ESCAPES), and none of those values has one.
 */
export function lit(s: string): string {
  if (noNul(s).includes('\\')) throw new AppError('invalid_input', `A SQL value cannot contain a backslash: ${s.slice(0, 40)}`)
  return `'${s.replace(/'/g, "''")}'`
}

/** A quoted identifier (database, table, column). */
export const ident = (s: string) => `\`${noNul(s).replace(/`/g, '``')}\``

/** An account: 'user'@'host'. */
export const account = (user: string, host: string) => `${lit(user)}@${lit(host)}`

/** mysql_native_password's stored form of a password ("*" + SHA1(SHA1(pw)) in hex): sent instead of the password so no log of the server ever holds it. */
export const nativePasswordHash = (password: string) => '*' + createHash('sha1').update(createHash('sha1').update(password, 'utf8').digest()).digest('hex').toUpperCase()
