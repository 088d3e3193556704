// The server settings a cluster record asks of each member, and how to compare them with what
// a server reports (SHOW writes sizes in its own unit: '1024MB' is shown as '1GB').
import type { PgCluster } from '../model'
import { syncNames } from '../sync'

/** Applied with ALTER SYSTEM + reload. */
export const RELOAD_KEYS = ['synchronous_standby_names', 'synchronous_commit', 'max_slot_wal_keep_size', 'wal_keep_size'] as const
/** Applied with ALTER SYSTEM, effective after a restart (pending_restart until then). */
export const RESTART_KEYS = ['max_wal_senders', 'max_replication_slots', 'listen_addresses'] as const
export type SettingKey = (typeof RELOAD_KEYS)[number] | (typeof RESTART_KEYS)[number]
export const SETTING_KEYS: readonly SettingKey[] = [...RELOAD_KEYS, ...RESTART_KEYS]
export const needsRestart = (key: SettingKey) => (RESTART_KEYS as readonly string[]).includes(key)

/**
 * What member `name` runs with when it matches the record (the same on primary and standbys, so
 * a promoted standby has it already). listen_addresses is ReplicaDesk's only with a service
 * address: '*', since a server binds only the addresses its host has when it starts, and the
 * address arrives on a standby when it is promoted (pg_hba.conf decides who may connect).
 */
export function wantedValues(c: PgCluster, name: string): Record<SettingKey, string | undefined> {
  return {
    listen_addresses: c.serviceAddress ? '*' : undefined,
    synchronous_standby_names: syncNames(c, name),
    synchronous_commit: c.synchronousCommit,
    max_slot_wal_keep_size: c.slotWalCap,
    wal_keep_size: c.walKeepSize,
    max_wal_senders: String(c.maxWalSenders),
    max_replication_slots: String(c.maxReplicationSlots),
  }
}

const UNIT: Record<string, number> = { B: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 }

/** Bytes of a size setting whose bare number means MB (wal_keep_size, max_slot_wal_keep_size); -1 stays -1. */
export function sizeBytes(v: string): number | undefined {
  const m = /^\s*(-?\d+)\s*(B|kB|MB|GB|TB)?\s*$/.exec(v)
  if (!m) return undefined
  const n = Number(m[1])
  return n < 0 ? -1 : n * UNIT[m[2] ?? 'MB']!
}

/** Whether a server's value is the wanted one, as PostgreSQL means it. */
export function sameValue(key: SettingKey, server: string, wanted: string | undefined): boolean {
  if (wanted === undefined) return true
  if (key === 'max_slot_wal_keep_size' || key === 'wal_keep_size') {
    const a = sizeBytes(server)
    return a !== undefined && a === sizeBytes(wanted)
  }
  return server.trim() === wanted.trim()
}
