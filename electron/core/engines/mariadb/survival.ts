// What a MariaDB cluster survives, for the health verdict, from its record and live status.
// Semi-sync (AFTER_SYNC) waits for ONE replica's acknowledgement, whichever answers first, and
// falls back to asynchronous after rpl_semi_sync_master_timeout: so an acknowledged write is
// on the primary and on at least one semi-sync replica, not on a known one. Writes go on
// after a failover (one click: ReplicaDesk has no unattended failover for MariaDB), to a
// replicating member that may be promoted; strict semi-sync also needs a semi-sync replica
// acknowledging after it.
import type { Survival } from '../../../../shared/health'
import type { MariaCluster } from '../../../../shared/mariadb'
import type { ClusterStatus, MemberStatus } from '../../../../shared/status'

/** A timeout this long (ms) or more is "strict": writes wait rather than fall back. */
export const STRICT_TIMEOUT_MS = 24 * 3600 * 1000

/** The verdict's fixes in MariaDB's words. */
export const MARIADB_ADVICE = {
  notStreaming: 'Look at its last IO/SQL error (status); rejoin it, or rebuild it when it has errant transactions.',
  backupTools: 'mariadb-backup, or mariadb-dump on a timer',
  writesSpof: 'Add a replica that may be promoted, or (strict semi-sync) mark a second replica semi-sync.',
}

const replicating = (m: MemberStatus) => m.state === 'up' && m.role === 'standby' && m.gtid?.ioRunning === 'Yes' && m.gtid.sqlRunning === 'Yes'

/** The semi-sync replicas that acknowledge now (the record's sync members, replicating, their semi-sync on). */
function acknowledging(c: MariaCluster, s: ClusterStatus): string[] {
  const sync = new Set(c.members.filter((m) => m.sync).map((m) => m.name))
  return s.members.filter((m) => sync.has(m.name) && replicating(m) && m.gtid?.semiSync === 'on').map((m) => m.name)
}

const strict = (c: MariaCluster) => c.semiSync.enabled && c.semiSync.timeoutMs >= STRICT_TIMEOUT_MS

/** Writes go on with `failed` members gone: the primary, or a promotable replica after a failover; strict semi-sync also needs an acknowledging replica beside it. */
function writesGoOn(c: MariaCluster, s: ClusterStatus, failed: ReadonlySet<string>): boolean {
  const alive = s.members.filter((m) => replicating(m) && !failed.has(m.name)).map((m) => m.name)
  const syncAlive = (except: string) => alive.some((n) => n !== except && c.members.find((m) => m.name === n)?.sync)
  if (!failed.has(s.primary!)) return !strict(c) || syncAlive(s.primary!)
  const promotable = alive.filter((n) => !c.fenced.includes(n) && !c.members.find((m) => m.name === n)?.neverPromote)
  return promotable.some((p) => !strict(c) || syncAlive(p))
}

/** The most failures (of the members up) after which writes surely go on; the failing set that breaks it. */
function writesSurvive(c: MariaCluster, s: ClusterStatus): { f: number; breaking: string[] | null } {
  const up = s.members.filter((m) => m.state === 'up').map((m) => m.name)
  const subsets = (k: number, from = 0): string[][] => (k === 0 ? [[]] : up.slice(from).flatMap((n, i) => subsets(k - 1, from + i + 1).map((rest) => [n, ...rest])))
  for (let k = 0; k <= up.length; k++) {
    const broken = subsets(k).find((set) => !writesGoOn(c, s, new Set(set)))
    if (broken) return { f: Math.max(0, k - 1), breaking: broken }
  }
  return { f: up.length, breaking: null }
}

export function mariaSurvival(c: MariaCluster, s: ClusterStatus): { noLoss: Survival; writes: Survival } {
  if (!s.primary) {
    const why = s.splitBrain ? 'two members accept writes (split brain): acknowledged writes may already be lost.' : 'no member accepts writes now.'
    return { noLoss: { failures: 0, why }, writes: { failures: 0, why } }
  }
  const w = writesSurvive(c, s)
  const fail = (names: string[]) => `if ${names.join(' and ')} fail${names.length === 1 ? 's' : ''}`
  const writes: Survival = {
    failures: w.f,
    why: !w.breaking ? 'any member may fail and writes go on (a failover included, on a click).' : w.breaking.length === 0 ? `writes wait now: strict semi-sync and no semi-sync replica acknowledges.` : `${w.f} failure${w.f === 1 ? '' : 's'} (a failover on a click included); ${fail(w.breaking)}, writes stop${strict(c) ? ' or wait (strict semi-sync)' : ''}.`,
  }
  const primary = s.members.find((m) => m.name === s.primary)
  const acks = acknowledging(c, s)
  if (!c.semiSync.enabled) return { noLoss: { failures: 0, why: `asynchronous: the last writes ${s.primary} acknowledged may be on no other member; losing ${s.primary} can lose them.` }, writes }
  if (primary?.gtid?.semiSync !== 'on' || acks.length === 0) {
    const why = acks.length === 0 ? 'no semi-sync replica is connected and acknowledging' : `${s.primary} runs asynchronously now (Rpl_semi_sync_master_status OFF: it fell back after ${c.semiSync.timeoutMs} ms without an acknowledgement, or no commit was acknowledged since ${acks.join(', ')} connected; the first acknowledged commit switches it back on)`
    return { noLoss: { failures: 0, why: `semi-sync is on in the settings but not in force: ${why}. The last writes may be on ${s.primary} only.` }, writes }
  }
  return {
    noLoss: { failures: 1, why: `semi-sync: every acknowledged write is on ${s.primary} and on at least one of ${acks.join(', ')} (MariaDB waits for one acknowledgement, not a count); losing ${s.primary} and ${acks.length === 1 ? acks[0] : 'the replica that acknowledged'} together can lose the last writes.` },
    writes,
  }
}

/** Writes wait now: semi-sync is strict (a very long timeout) and no semi-sync replica acknowledges. */
export function mariaSyncUnmet(c: MariaCluster, s: ClusterStatus): string | undefined {
  if (!s.primary || !strict(c)) return undefined
  return acknowledging(c, s).length ? undefined : `strict semi-sync needs one semi-sync replica acknowledging, none does (${c.members.filter((m) => m.sync).map((m) => m.name).join(', ') || 'no member is a semi-sync replica'})`
}
