// Who may log in, and with what. Two kinds of login, no password ever at ReplicaDesk:
// - the status/admin login: a MariaDB user named after each member host's SSH login user,
//   IDENTIFIED VIA unix_socket (the counterpart of PostgreSQL's peer authentication), with
//   SLAVE MONITOR, BINLOG MONITOR and PROCESS only (10.11's names; REPLICA MONITOR is an alias
//   of SLAVE MONITOR): it reads status and cannot write, nor bypass read_only (no SUPER, no
//   READ_ONLY ADMIN).
// - the replication user (cluster.replicationUser) with REPLICATION SLAVE, one account per
//   member address (skip-name-resolve: IPs), its password generated here and kept only in an
//   option file of the mysql user on each member (replicationOptionFile, 0600 mysql), written
//   over stdin. The server is sent only the password's mysql_native_password hash, so neither
//   its binary log nor its general log ever holds the password.
import { isIP } from 'node:net'
import { mariaError } from './errors'
import { replicationOptionFile, who, type MariaCluster } from './model'
import type { Command, MariaNode } from './node'
import { PUT_FILE } from './scripts'
import { account, lit, nativePasswordHash, runSql } from './sql'

/** What the status login may do (and nothing that writes or bypasses read_only). */
export const STATUS_GRANTS = ['SLAVE MONITOR', 'BINLOG MONITOR', 'PROCESS'] as const

/** Logins that exist on every server already and need no account of ours. */
const BUILTIN_LOGINS = new Set(['mysql', 'root'])

export { generatePassword } from '../password'

// ---- the status login ------------------------------------------------------------------------

/** The SSH login user of the member's host (the sudo caller when the command ran through sudo). */
export async function loginUser(n: MariaNode): Promise<string> {
  const out = (await n.run(n.login(['sh', '-c', 'echo "${SUDO_USER:-$(id -un)}"']))).stdout.trim()
  if (!/^[a-z_][a-z0-9_.-]{0,31}$/i.test(out)) throw mariaError('preflight_failed', `${n.host} reports the login user "${out.slice(0, 40)}", which cannot name a MariaDB user.`, { host: n.host })
  return out
}

/** SQL for the status login of SSH user `login` (none for mysql and root: they exist). */
export function statusLoginSql(login: string): string[] {
  if (BUILTIN_LOGINS.has(login)) return []
  const a = account(login, 'localhost')
  return [`CREATE USER IF NOT EXISTS ${a} IDENTIFIED VIA unix_socket`, `GRANT ${STATUS_GRANTS.join(', ')} ON *.* TO ${a}`]
}

/** The status login is there with unix_socket and every grant it needs (from SHOW GRANTS). */
export function statusLoginComplete(grants: readonly string[]): boolean {
  const text = grants.join('\n').toUpperCase()
  return text.includes('UNIX_SOCKET') && STATUS_GRANTS.every((g) => text.includes(g))
}

/** SHOW GRANTS for login@localhost on the member ([] when there is no such user). */
export async function statusLoginGrants(n: MariaNode, login: string): Promise<string[]> {
  const exists = await runSql(n, `SELECT COUNT(*) FROM mysql.user WHERE User = ${lit(login)} AND Host = 'localhost'`)
  if (exists[0]?.[0] !== '1') return []
  return (await runSql(n, `SHOW GRANTS FOR ${account(login, 'localhost')}`)).map((r) => r[0] ?? '')
}

// ---- the replication user --------------------------------------------------------------------

/**
 * The hosts the replication accounts are for: each member's address as an IP (names resolved
 * on `via`'s host, since the servers run with skip-name-resolve). Sorted, no duplicates.
 */
export async function replicationHosts(via: MariaNode, addresses: readonly string[]): Promise<string[]> {
  const out = new Set<string>()
  for (const a of addresses) {
    if (isIP(a)) {
      out.add(a)
      continue
    }
    const r = await via.run(via.login(['getent', 'ahosts', a]), { okExitCodes: [0, 2] })
    const ips = [...new Set(r.stdout.split('\n').map((l) => l.split(/\s+/)[0] ?? '').filter((ip) => isIP(ip)))]
    if (!ips.length) throw mariaError('preflight_failed', `${via.host} cannot resolve the member address ${a}. Use an IP address for the member, or make the name resolve on every member's host.`, { host: via.host, address: a })
    for (const ip of ips) out.add(ip)
  }
  return [...out].sort()
}

/** SQL making (or correcting) the replication accounts for those hosts with that password. */
export function replicationUserSql(user: string, hosts: readonly string[], password: string): string[] {
  const hash = lit(nativePasswordHash(password))
  return hosts.flatMap((h) => [`CREATE USER IF NOT EXISTS ${account(user, h)} IDENTIFIED BY PASSWORD ${hash}`, `ALTER USER ${account(user, h)} IDENTIFIED BY PASSWORD ${hash}`, `GRANT REPLICATION SLAVE ON *.* TO ${account(user, h)}`])
}

/** SQL dropping the replication account of one host (a removed member's address). */
export const dropReplicationAccountSql = (user: string, host: string) => `DROP USER IF EXISTS ${account(user, host)}`

/** The replication accounts the server has: host → [password hash, REPLICATION SLAVE]. */
export async function replicationAccounts(n: MariaNode, user: string): Promise<Map<string, { hash: string; replSlave: boolean }>> {
  const rows = await runSql(n, `SELECT Host, authentication_string, Repl_slave_priv FROM mysql.user WHERE User = ${lit(user)}`)
  return new Map(rows.map((r) => [r[0] ?? '', { hash: r[1] ?? '', replSlave: r[2] === 'Y' }]))
}

/** Every wanted host has an account with this password and the grant. */
export const replicationAccountsComplete = (have: ReadonlyMap<string, { hash: string; replSlave: boolean }>, hosts: readonly string[], password: string) =>
  hosts.every((h) => have.get(h)?.hash === nativePasswordHash(password) && have.get(h)?.replSlave === true)

// ---- the password file -----------------------------------------------------------------------

/** The password file's text: a [client] group, so `mariadb --defaults-file=FILE -h PRIMARY` logs in. */
export const passwordFileText = (c: Pick<MariaCluster, 'id' | 'replicationUser'>, password: string) =>
  `# ReplicaDesk: the replication login of cluster ${c.id}. Readable by mysql only; ReplicaDesk keeps no copy.\n[client]\nuser=${c.replicationUser}\npassword=${password}\n`

/** The password in such a file, if any. */
export function passwordIn(text: string | undefined): string | undefined {
  return text ? /^password=(\S+)$/m.exec(text)?.[1] : undefined
}

/** Writes the password file as root for mysql, 0600; the text (with the password) on stdin only. */
export const writePasswordFileCommand = (n: MariaNode, c: Pick<MariaCluster, 'id'>): Command =>
  n.root(['sh', '-c', PUT_FILE, 'sh', replicationOptionFile(c), 'mysql', 'mysql', '600'], 'the replication password, over stdin, readable by mysql only')

export async function writePasswordFile(n: MariaNode, c: Pick<MariaCluster, 'id' | 'replicationUser'>, password: string): Promise<void> {
  await n.run(writePasswordFileCommand(n, c), { stdin: passwordFileText(c, password) })
}

/** The replication password kept on that member (read as mysql), if any. */
export async function readPassword(n: MariaNode, c: Pick<MariaCluster, 'id'>): Promise<string | undefined> {
  const r = await n.run(n.mysql(['sh', '-c', 'if [ -f "$1" ]; then cat -- "$1"; fi', 'sh', replicationOptionFile(c)]))
  return passwordIn(r.stdout)
}

/** A real replication login over TCP to `target`, run as mysql on `from` with the member's password file. */
export const replicationLoginCommand = (from: MariaNode, c: Pick<MariaCluster, 'id'>, target: { address: string; port: number }): Command =>
  from.mysql(['mariadb', `--defaults-file=${replicationOptionFile(c)}`, `--host=${target.address}`, `--port=${target.port}`, '--connect-timeout=10', '--batch', '--skip-column-names', '-e', 'SELECT 1'], 'a real replication login over TCP with the stored password')

/** Runs the login test; rejects with an error naming both ends and what to check. */
export async function testReplicationLogin(from: MariaNode, c: MariaCluster, target: { name: string; host: string; address: string; port: number }): Promise<void> {
  const r = await from.run(replicationLoginCommand(from, c, target), { okExitCodes: [0, 1] })
  if (r.exitCode === 0) return
  const last = r.stderr.trim().split('\n').at(-1) ?? `exit ${r.exitCode}`
  throw mariaError('cluster_state', `The replication login from ${from.host} to ${who(target)} (${target.address}:${target.port}) failed: ${last}. Check that ${target.name} listens on ${target.address} (bind-address) and that no firewall blocks port ${target.port}.`, { host: from.host, member: target.name })
}
