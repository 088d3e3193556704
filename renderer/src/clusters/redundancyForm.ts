// The Redundancy panel's form: its values from a cluster record, and the settings input they
// make (only what the core needs; the core compares with the record and plans the change).
import type { SettingsInput } from '../../../shared/clusters'
import type { PgCluster, SynchronousCommit } from '../../../shared/postgres'

export type Mode = 'async' | 'ANY' | 'FIRST'

export interface RedundancyForm {
  mode: Mode
  k: number
  synchronousCommit: SynchronousCommit
  maxLagMiB: number
  slotWalCap: string
  desiredReplicas: number
  notifyUrl: string
  /** Restart-only settings: restart the primary too, through a switchover there and back. */
  restartPrimary: boolean
  lostSync: 'strict' | 'available'
  relaxAfterS: number
  /** IPv4, optionally /prefix; empty: none. */
  serviceAddress: string
  members: { name: string; host: string; sync: boolean; priority: number; neverPromote: boolean }[]
}

export function formOf(c: PgCluster): RedundancyForm {
  const anySync = c.members.some((m) => m.sync)
  return {
    mode: anySync ? c.sync.method : 'async',
    k: c.sync.num,
    synchronousCommit: c.synchronousCommit,
    maxLagMiB: Math.round(c.maxLagBytes / 1048576),
    slotWalCap: c.slotWalCap,
    desiredReplicas: c.desiredReplicas ?? c.members.length - 1,
    notifyUrl: c.notifyUrl ?? '',
    restartPrimary: true,
    lostSync: c.lostSync.policy,
    relaxAfterS: c.lostSync.afterS,
    serviceAddress: c.serviceAddress ? `${c.serviceAddress.address}/${c.serviceAddress.prefix}` : '',
    members: c.members.map((m) => ({ name: m.name, host: m.host, sync: m.sync, priority: m.priority, neverPromote: m.neverPromote })),
  }
}

export function inputOf(c: PgCluster, f: RedundancyForm, o: { dryRun: boolean; blockWrites: boolean }): SettingsInput {
  const async = f.mode === 'async'
  return {
    cluster: c.id,
    ...(f.mode !== 'async' && { syncMethod: f.mode, syncNum: f.k }),
    synchronousCommit: f.synchronousCommit,
    maxLagBytes: f.maxLagMiB * 1048576,
    slotWalCap: f.slotWalCap.trim(),
    desiredReplicas: f.desiredReplicas,
    notifyUrl: f.notifyUrl.trim() ? f.notifyUrl.trim() : c.notifyUrl ? null : undefined,
    serviceAddress: f.serviceAddress.trim() ? f.serviceAddress.trim() : c.serviceAddress ? null : undefined,
    restartPrimary: f.restartPrimary,
    switchBack: true,
    lostSync: f.lostSync,
    relaxAfterS: f.relaxAfterS,
    memberSettings: f.members.map((m) => ({ name: m.name, sync: async ? false : m.sync, priority: m.priority, neverPromote: m.neverPromote })),
    blockWrites: o.blockWrites,
    dryRun: o.dryRun,
    yes: !o.dryRun,
  }
}
