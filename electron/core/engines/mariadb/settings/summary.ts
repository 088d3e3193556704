// The settings plan's first sentences: what changes and what it means, in MariaDB's terms.
import { SEMI_SYNC_MEANING, type MariaCluster } from '../model'
import { STRICT_TIMEOUT_MS } from '../survival'

const timeoutWords = (ms: number) => (ms >= STRICT_TIMEOUT_MS ? 'strict: writes wait for an acknowledgement rather than go on without one' : `after ${ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`} without an acknowledgement the primary goes on asynchronously`)

export function settingsSummary(before: MariaCluster, after: MariaCluster): string[] {
  const out: string[] = []
  const s = after.semiSync
  if (before.semiSync.enabled !== s.enabled) out.push(s.enabled ? `Semi-synchronous replication goes on (AFTER_SYNC). ${SEMI_SYNC_MEANING}` : 'Semi-synchronous replication goes off: commits no longer wait for a replica; the last writes the primary acknowledged may be on no other member.')
  if (s.enabled && before.semiSync.timeoutMs !== s.timeoutMs) out.push(`Semi-sync timeout: ${timeoutWords(s.timeoutMs)}.`)
  const acks = after.members.filter((m) => m.sync).map((m) => m.name)
  const acksBefore = before.members.filter((m) => m.sync).map((m) => m.name)
  if (acks.join() !== acksBefore.join()) out.push(`Replicas that acknowledge commits: ${acks.join(', ') || 'none'} (was ${acksBefore.join(', ') || 'none'}).`)
  if (s.enabled && acks.length === 0) out.push('No member is a semi-sync replica: commits wait for nobody (each waits the timeout, then the primary goes on asynchronously). Mark at least one replica --sync.')
  for (const m of after.members) {
    const b = before.members.find((x) => x.name === m.name)
    if (b && (b.priority !== m.priority || b.neverPromote !== m.neverPromote)) out.push(`${m.name}: ${m.neverPromote ? 'never promoted' : `promotion priority ${m.priority}`} (kept in ReplicaDesk's record).`)
  }
  if (before.desiredReplicas !== after.desiredReplicas) out.push(`Replicas wanted: ${after.desiredReplicas ?? 'not set'} (the health verdict says when fewer run; MariaDB replicas are added with replica add).`)
  if (before.notifyUrl !== after.notifyUrl) out.push(after.notifyUrl ? `Notifications go to ${after.notifyUrl} when the health verdict gets worse.` : 'No notifications.')
  if (!out.length) out.push('Nothing changes in the settings; each member is checked and its semi-sync settings written again where they differ.')
  out.push('Nothing restarts: the semi-sync settings are set on the running servers and in their option files; a member that is not running takes them when it starts.')
  return out
}
