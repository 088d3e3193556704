// "Adopt the server's value": the record takes the primary's managed settings as they run
// there (synchronous_standby_names parsed back into the synchronous members, their order and
// k). The settings operation then makes every member match. Pure.
import type { PgCluster } from '../model'
import { namesIn, requiredCount } from '../sync'
import type { SettingKey } from './values'

const synchronousCommits = ['on', 'remote_write', 'remote_apply'] as const
const size = (v: string) => (/^\d+(kB|MB|GB|TB)$/.test(v) ? v : /^\d+$/.test(v) ? `${v}MB` : undefined)

export function adoptedFrom(c: PgCluster, primary: string, server: Record<SettingKey, string>): PgCluster {
  const ssn = server.synchronous_standby_names.trim()
  const listed = ssn ? namesIn(ssn) : []
  const method = /^\s*FIRST\b/i.test(ssn) || (ssn && !/^\s*ANY\b/i.test(ssn)) ? 'FIRST' : 'ANY'
  const commit = synchronousCommits.find((v) => v === server.synchronous_commit)
  const cap = server.max_slot_wal_keep_size === '-1' ? '-1' : size(server.max_slot_wal_keep_size)
  return {
    ...c,
    sync: listed.length ? { method, num: Math.max(1, requiredCount(ssn)) } : c.sync,
    ...(commit && { synchronousCommit: commit }),
    ...(cap && { slotWalCap: cap }),
    ...(size(server.wal_keep_size) && { walKeepSize: size(server.wal_keep_size)! }),
    ...(Number(server.max_wal_senders) >= 2 && { maxWalSenders: Number(server.max_wal_senders) }),
    ...(Number(server.max_replication_slots) >= 2 && { maxReplicationSlots: Number(server.max_replication_slots) }),
    // The primary's list names the synchronous standbys, in priority order; the primary keeps its own flag.
    members: c.members.map((m) => (m.name === primary ? m : { ...m, sync: listed.includes(m.name), ...(listed.includes(m.name) && { priority: listed.indexOf(m.name) + 1 }) })),
  }
}
