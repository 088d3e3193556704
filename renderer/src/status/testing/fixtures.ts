// Status values for the renderer's status tests and the bench harness: members and clusters
// shaped as the core sends them (shared/status.ts), and a generator for big clusters.
import type { ClusterStatus, MemberStatus, StatusHistory } from '../../../../shared/status'

export const T0 = Date.parse('2026-11-26T12:00:00.000Z')
export const iso = (ms: number) => new Date(ms).toISOString()

export function primaryMember(name: string, over: Partial<MemberStatus> = {}): MemberStatus {
  return {
    name,
    host: `h-${name}`,
    port: 5432,
    state: 'up',
    down: null,
    stale: false,
    role: 'primary',
    writable: true,
    version: '15.8',
    timeline: 1,
    currentLsn: '0/5000000',
    receiveLsn: null,
    replayLsn: null,
    lagBytes: 0,
    lagSeconds: 0,
    senderState: null,
    syncState: null,
    upstream: null,
    slot: null,
    disk: { path: `/var/lib/postgresql/15/${name}`, freeBytes: 40e9, totalBytes: 100e9, at: iso(T0) },
    startedAt: iso(T0 - 3 * 3600_000),
    ...over,
  }
}

export function standbyMember(name: string, upstream: string | null, over: Partial<MemberStatus> = {}): MemberStatus {
  return {
    ...primaryMember(name),
    role: 'standby',
    writable: false,
    currentLsn: null,
    receiveLsn: '0/5000000',
    replayLsn: '0/5000000',
    senderState: 'streaming',
    syncState: 'async',
    upstream,
    slot: { name: `rd_${name}`, active: true, retainedBytes: 0, walStatus: 'reserved', safeWalSizeBytes: null },
    ...over,
  }
}

export function clusterOf(members: MemberStatus[], over: Partial<ClusterStatus> = {}): ClusterStatus {
  return {
    cluster: 'c1',
    seq: 0,
    at: iso(T0),
    periodMs: 1000,
    primary: members.find((m) => m.role === 'primary')?.name ?? null,
    splitBrain: null,
    members,
    otherSlots: [],
    lastPrimary: null,
    ...over,
  }
}

/** A primary `db1` and standbys `db2`…`dbN` streaming from it. */
export function bigCluster(n: number, cluster = 'c1'): ClusterStatus {
  const members = [primaryMember('db1')]
  for (let i = 2; i <= n; i++) members.push(standbyMember(`db${i}`, 'db1'))
  return clusterOf(members, { cluster })
}

/** `rows` rows of history at 1 s ending at `endMs`, lag rising and falling per member. */
export function historyOf(status: ClusterStatus, rows: number, endMs: number): StatusHistory {
  const t = Array.from({ length: rows }, (_, i) => endMs - (rows - 1 - i) * status.periodMs)
  return {
    cluster: status.cluster,
    periodMs: status.periodMs,
    t,
    members: status.members.map((m, k) => ({
      name: m.name,
      lagBytes: t.map((_, i) => (m.role === 'primary' ? 0 : Math.round(5e5 * (1 + Math.sin((i + k * 7) / 40))))),
      lagSeconds: t.map((_, i) => (m.role === 'primary' ? 0 : Number((0.4 * (1 + Math.sin((i + k * 7) / 40))).toFixed(3)))),
    })),
  }
}
