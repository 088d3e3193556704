// The role primitives switchover, failover and fence share: one member's role facts read in one
// round trip (read_only, the GTID positions, what its IO thread received, its replication
// threads and the source it follows, semi-sync), GTID arithmetic on top of gtid.ts
// (containment, the merged "most received" position, distance), the promotion and making a
// member follow another. Each action is idempotent and bounded; its error names the member.
import { AppError } from '../../../../shared/errors'
import { parseSections } from './add-replica/facts'
import { REPLICATE } from './add-replica/replicate'
import { mariaError } from './errors'
import { execTimeoutMs } from './instance'
import { optionFile, replicationOptionFile, socketOf, who, type MariaCluster, type MariaMember } from './model'
import type { Command, MariaNode } from './node'
import { clientArgv, lit, runSql, sqlFailure } from './sql'
import { gtidDistance, parseGtidPosition, type GtidPosition } from './gtid'
import { mainSlave, parseSample, POLL_SQL, type MariaSample, type SlaveThreads } from './sample'

// ---- reading ----------------------------------------------------------------------------------

/** A member as read just now: what its server answered (`facts`), or why it did not. */
export interface MariaReading {
  member: string
  host: string
  /** primary: follows no one and read_only is off; replica: a replication connection is configured; unknown: not read, or neither. */
  role: 'primary' | 'replica' | 'unknown'
  gtidCurrentPos?: string
  readOnly?: boolean
  /** Why it could not be read (names the member). */
  error?: string
  /** The error's code (ssh_connect, ssh_timeout, cluster_state …). */
  errorCode?: string
  /** Everything the server answered: read_only, gtid_current/binlog/slave_pos, semi-sync, the replication threads (Gtid_IO_Pos included). */
  facts?: MariaSample
}

export type UpReading = MariaReading & { facts: MariaSample }
export const isUp = (r: MariaReading): r is UpReading => r.facts !== undefined

// The status poll's first statement (variables and semi-sync status), then its SHOW ALL SLAVES
// STATUS, each behind a section marker: --batch prints nothing for an empty result set.
const [POLL_SELECT] = POLL_SQL.split(/;\s*\n\s*SHOW ALL SLAVES STATUS\s*$/)
export const ROLE_SQL = `SELECT 'role' AS rd_section;\n${POLL_SELECT};\nSELECT 'slaves' AS rd_section;\nSHOW ALL SLAVES STATUS;\n`

export const roleCommand = (n: MariaNode): Command => n.mysql(clientArgv(n.member, true), 'reads read_only, GTID positions, semi-sync and the replication threads')

/** The role a reading shows. */
export const roleOf = (f: MariaSample): MariaReading['role'] => (mainSlave(f) ? 'replica' : f.readOnly ? 'unknown' : 'primary')

/** Reads a member's role facts; a member that does not answer is an answer too (never throws an AppError). */
export async function readRole(n: MariaNode, timeoutMs = 5000): Promise<MariaReading> {
  const base = { member: n.name, host: n.host }
  try {
    const r = await n.run(roleCommand(n), { stdin: ROLE_SQL, okExitCodes: [0, 1], timeoutMs })
    if (r.exitCode !== 0) throw sqlFailure(n.member, r.stderr, r.exitCode)
    const s = parseSections(r.stdout)
    const row = s.get('role')?.[0]
    if (!row) throw mariaError('sql_failed', `Unexpected answer from MariaDB ${who(n.member)}: ${r.stdout.slice(0, 200)}`, { host: n.host, member: n.name })
    const facts = parseSample(row, s.get('slaves') ?? [])
    return { ...base, role: roleOf(facts), gtidCurrentPos: facts.gtidCurrentPos, readOnly: facts.readOnly, facts }
  } catch (err) {
    if (err instanceof AppError) return { ...base, role: 'unknown', error: err.message, errorCode: err.code }
    throw err
  }
}

/** Every member of the cluster (or those named), read in parallel. */
export const readRoles = (nodes: readonly MariaNode[], timeoutMs?: number | ((member: string) => number)) =>
  Promise.all(nodes.map((n) => readRole(n, typeof timeoutMs === 'function' ? timeoutMs(n.name) : timeoutMs)))

/** Accepts writes: read_only is off (whatever it replicates: a replica left writable takes writes too). */
export const writable = (r: MariaReading) => isUp(r) && !r.facts.readOnly
/** The promoted state: writable and no replication connection. */
export const isPrimaryNow = (r: MariaReading) => isUp(r) && !r.facts.readOnly && !mainSlave(r.facts)
export const threadsOf = (r: MariaReading): SlaveThreads | null => (isUp(r) ? mainSlave(r.facts) : null)

/** Its replication connection points at `up` (address and port, as CHANGE MASTER set them). */
export function follows(r: MariaReading, up: Pick<MariaMember, 'address' | 'port'>): boolean {
  const t = threadsOf(r)
  return !!t && t.masterHost === up.address && t.masterPort === up.port
}

/** It follows `up` and both threads run. */
export const replicatesFrom = (r: MariaReading, up: Pick<MariaMember, 'address' | 'port'>) => follows(r, up) && threadsOf(r)?.ioRunning === 'Yes' && threadsOf(r)?.sqlRunning === 'Yes'

// ---- GTID arithmetic ----------------------------------------------------------------------------

/** A position as the server prints it ("0-1-42,1-2-7", domains in order). */
export const formatGtid = (p: GtidPosition) =>
  [...p.values()]
    .sort((a, b) => a.domain - b.domain)
    .map((g) => `${g.domain}-${g.server}-${g.seq}`)
    .join(',')

/** Per domain the highest of the positions (what the most advanced of them has). */
export function mergeGtid(...texts: readonly (string | null | undefined)[]): string {
  const out: GtidPosition = new Map()
  for (const t of texts) for (const g of parseGtidPosition(t).values()) if (!out.has(g.domain) || out.get(g.domain)!.seq < g.seq) out.set(g.domain, g)
  return formatGtid(out)
}

/** Transactions `behind` lacks against `ahead` (0: it has all of it). */
export const gtidBehind = (ahead: string, behind: string) => gtidDistance(parseGtidPosition(ahead), parseGtidPosition(behind)).behind

/** `a` has everything of `b` (every domain of b, at b's sequence number or beyond). */
export const gtidContains = (a: string, b: string) => gtidBehind(b, a) === 0

/**
 * What a member has received: a replica's executed position merged with its IO thread's
 * (Gtid_IO_Pos: the relay log included); a primary's binary log. Null when it did not answer.
 */
export function receivedGtid(r: MariaReading): string | null {
  if (!isUp(r)) return null
  return mergeGtid(r.facts.gtidCurrentPos, r.facts.gtidBinlogPos, mainSlave(r.facts)?.gtidIoPos)
}

// ---- the option file's read_only ---------------------------------------------------------------

/**
 * As root: sets `read_only = VALUE` in the member's option file (its [mariadbd] group; added
 * when missing) and with it the role's rpl_semi_sync_master_wait_no_slave (a replica: OFF, a
 * primary: ON, see REPLICA_SEMI_SYNC), everything else kept, owner and mode kept, written only
 * when it changes. So a restart keeps the role the server has now. Args: FILE VALUE.
 */
export const SET_READ_ONLY = String.raw`set -eu
f=$1 v=$2
[ -f "$f" ] || { echo "the option file $f is missing" >&2; exit 4; }
w=ON; [ "$v" = ON ] && w=OFF
tmp=$f.rd-tmp.$$
awk -v v="$v" -v w="$w" '
  function put() { print "read_only = " v; print "rpl_semi_sync_master_wait_no_slave = " w; done = 1 }
  /^[ 	]*(read[_-]only|rpl[_-]semi[_-]sync[_-]master[_-]wait[_-]no[_-]slave)[ 	]*=/ { if (!done) put(); next }
  { print }
  /^[ 	]*\[(mariadbd|mysqld|server)\][ 	]*$/ && !done { put() }
  END { if (!done) { print "[mariadbd]"; put() } }
' "$f" > "$tmp"
if cmp -s "$f" "$tmp"; then rm -f -- "$tmp"; echo same; exit 0; fi
chown --reference="$f" -- "$tmp"; chmod --reference="$f" -- "$tmp"
mv -f -- "$tmp" "$f"
echo changed`

export const setReadOnlyCommand = (n: MariaNode, on: boolean): Command => n.root(['sh', '-c', SET_READ_ONLY, 'sh', optionFile(n.member), on ? 'ON' : 'OFF'], `read_only = ${on ? 'ON' : 'OFF'} in ${optionFile(n.member)}, kept across a restart`)

export async function setReadOnlyLine(n: MariaNode, on: boolean, timeoutMs?: number): Promise<void> {
  await n.run(setReadOnlyCommand(n, on), timeoutMs ? { timeoutMs } : {})
}

/** What the option file says of read_only (undefined: it says nothing, so OFF). */
export const readOnlyIn = (text: string | undefined) => /^\s*read[_-]only\s*=\s*(\S+)/m.exec(text ?? '')?.[1]?.toUpperCase()
export const fileSaysReadOnly = (text: string | undefined) => ['ON', '1', 'TRUE'].includes(readOnlyIn(text) ?? 'OFF')

/**
 * Every member has the semi-sync master side enabled (any of them may be promoted), and a
 * replica's own binary log commits wait for acknowledgements like a primary's: a former primary
 * keeps its Rpl_semi_sync_master_status ON with no client left, so its SQL thread's first commit
 * waited the whole rpl_semi_sync_master_timeout (measured: 4.4 s). A replica does not wait when
 * no semi-sync replica of its own is connected (rpl_semi_sync_master_wait_no_slave OFF); the
 * promotion puts the server default (ON) back. The option file says the same (SET_READ_ONLY writes
 * it with read_only): a replica restarted with ON and a strict timeout would stall its SQL thread.
 */
export const REPLICA_SEMI_SYNC = 'SET GLOBAL rpl_semi_sync_master_wait_no_slave = OFF;'
export const PRIMARY_SEMI_SYNC = 'SET GLOBAL rpl_semi_sync_master_wait_no_slave = ON;'

// ---- promote -------------------------------------------------------------------------------------

export const PROMOTE_SQL = `STOP SLAVE;\nRESET SLAVE ALL;\n${PRIMARY_SEMI_SYNC}\nSET GLOBAL read_only = OFF;`

/**
 * `n` becomes a primary: replication stopped and forgotten, read_only off (writes resume here),
 * then its option file says read_only = OFF (a restart keeps it the primary). Idempotent.
 */
export async function promote(n: MariaNode): Promise<void> {
  await runSql(n, PROMOTE_SQL, { timeoutMs: 60_000 })
  await setReadOnlyLine(n, false)
}

// ---- follow ----------------------------------------------------------------------------------------

/**
 * The statements around the replication password (none of them secret: they travel as arguments
 * to add-replica's REPLICATE script, which reads the password on the host). read_only first, so
 * the member never takes a write while it changes source; its replicated position continues from
 * what it executed (gtid_slave_pos := gtid_current_pos, so a former primary's own transactions
 * count as done), it stops waiting for acknowledgements of its own (REPLICA_SEMI_SYNC), then CHANGE MASTER … MASTER_USE_GTID = slave_pos and START SLAVE.
 */
export function followSql(up: Pick<MariaMember, 'address' | 'port'>, user: string): { head: string; tail: string } {
  return {
    head: `SET GLOBAL read_only = ON;\nSTOP SLAVE;\nRESET SLAVE ALL;\n${REPLICA_SEMI_SYNC}\nSET GLOBAL gtid_slave_pos = @@GLOBAL.gtid_current_pos;\nCHANGE MASTER TO MASTER_HOST = ${lit(up.address)}, MASTER_PORT = ${up.port}, MASTER_USER = ${lit(user)}, MASTER_PASSWORD = `,
    tail: `, MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1;\nSTART SLAVE;`,
  }
}

export function followCommand(c: Pick<MariaCluster, 'id' | 'replicationUser'>, n: MariaNode, up: Pick<MariaMember, 'address' | 'port'>): Command {
  const { head, tail } = followSql(up, c.replicationUser)
  return n.mysql(['sh', '-c', REPLICATE, 'sh', replicationOptionFile(c), socketOf(n.member), head, tail], 'read_only, CHANGE MASTER … MASTER_USE_GTID = slave_pos with the password read from the option file on this host, START SLAVE')
}

/**
 * `n` follows `up`: its option file says read_only = ON (a restart never makes it writable) and,
 * at the same time (both only ever make it read-only; on a failover's critical path one round
 * trip less), read_only, CHANGE MASTER and START SLAVE in one client run. Idempotent.
 */
export async function follow(c: Pick<MariaCluster, 'id' | 'replicationUser'>, n: MariaNode, up: MariaMember): Promise<void> {
  const [, r] = await Promise.all([setReadOnlyLine(n, true), n.run(followCommand(c, n, up), { okExitCodes: [0, 1, 3], timeoutMs: execTimeoutMs(30) })])
  if (r.exitCode !== 0) {
    const e = sqlFailure(n.member, r.stderr, r.exitCode)
    throw mariaError('cluster_state', `${who(n.member)} could not be set to follow ${who(up)}: ${e.message}`, { host: n.host, member: n.name })
  }
}

/**
 * Makes `n` follow `up` unless it does already (its reading `r`, read just now): a primary
 * (writable, replicating from nobody) is refused (it needs a fence and a rejoin; a replica left
 * writable is set read-only), one that does not answer is left for a rejoin. Says what it did.
 */
export async function followNewPrimary(c: MariaCluster, n: MariaNode, up: MariaMember, r: MariaReading): Promise<string> {
  if (!isUp(r)) return `${n.name} not reachable (${r.error ?? 'no answer'}): rejoin it later`
  if (isPrimaryNow(r)) throw mariaError('cluster_state', `${who(n.member)} accepts writes: it is not a replica any more. Fence it, then rejoin it.`, { host: n.host, member: n.name })
  if (follows(r, up) && threadsOf(r)?.sqlRunning === 'Yes' && threadsOf(r)?.ioRunning !== 'No' && r.facts.readOnly) return `${n.name} follows ${up.name} already`
  await follow(c, n, up)
  return `${n.name} follows ${up.name}`
}
