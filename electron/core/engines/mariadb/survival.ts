// What a MariaDB cluster survives, for the health verdict, from its record and live status.
// Semi-sync (AFTER_SYNC) waits for ONE replica's acknowledgement, whichever answers first, and
// falls back to asynchronous after rpl_semi_sync_master_timeout: so an acknowledged write is
// on the primary and on at least one semi-sync replica, not on a known one. Role changes are
// by hand until MariaDB failover lands (issue 24): losing the primary stops writes.
import type { Survival } from '../../../../shared/health'
import type { MariaCluster } from '../../../../shared/mariadb'
import type { ClusterStatus, MemberStatus } from '../../../../shared/status'

/** A timeout this long (ms) or more is "strict": writes wait rather than fall back. */
export const STRICT_TIMEOUT_MS = 24 * 3600 * 1000

const replicating = (m: MemberStatus) => m.state === 'up' && m.role === 'standby' && m.gtid?.ioRunning === 'Yes' && m.gtid.sqlRunning === 'Yes'

/** The semi-sync replicas that acknowledge now (the record's sync members, replicating, their semi-sync on). */
function acknowledging(c: MariaCluster, s: ClusterStatus): string[] {
  const sync = new Set(c.members.filter((m) => m.sync).map((m) => m.name))
  return s.members.filter((m) => sync.has(m.name) && replicating(m) && m.gtid?.semiSync === 'on').map((m) => m.name)
}

export function mariaSurvival(c: MariaCluster, s: ClusterStatus): { noLoss: Survival; writes: Survival } {
  if (!s.primary) {
    const why = s.splitBrain ? 'two members accept writes (split brain): acknowledged writes may already be lost.' : 'no member accepts writes now.'
    return { noLoss: { failures: 0, why }, writes: { failures: 0, why } }
  }
  const primary = s.members.find((m) => m.name === s.primary)
  const acks = acknowledging(c, s)
  const writes: Survival = { failures: 0, why: `losing ${s.primary} stops writes until a replica is promoted by hand (ReplicaDesk does not fail MariaDB over yet).` }
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
  if (!s.primary || !c.semiSync.enabled || c.semiSync.timeoutMs < STRICT_TIMEOUT_MS) return undefined
  return acknowledging(c, s).length ? undefined : `strict semi-sync needs one semi-sync replica acknowledging, none does (${c.members.filter((m) => m.sync).map((m) => m.name).join(', ') || 'no member is a semi-sync replica'})`
}
