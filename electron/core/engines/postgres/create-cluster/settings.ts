// The settings every member of a ReplicaDesk cluster carries, and (adopt) the settings step:
// ALTER SYSTEM where the running primary's are too low (never lowers one). The check reads the
// primary on every attempt; the host's addresses come from pre-flight's probe of this attempt
// (Preflighted).
import type { Step } from '../../../operations'
import type { CreateClusterParams } from '../create-cluster'
import type { PgFacts } from '../facts'
import type { Handoff } from '../../handoff'
import type { PgCluster } from '../model'
import { alterSystem } from '../statements'
import { addressesOf, upFacts, type CreateClusterOp, type Preflighted } from './context'

const SIZE_UNITS: Record<string, number> = { kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 }
export const sizeBytes = (s: string) => {
  const m = /^(\d+)(kB|MB|GB|TB)$/.exec(s)
  return m ? Number(m[1]) * SIZE_UNITS[m[2]!]! : Number(s)
}

/** The settings every member of a ReplicaDesk cluster carries (replication, pg_rewind later). */
export function clusterSettings(c: PgCluster): [string, string][] {
  return [
    ['wal_level', 'replica'],
    ['max_wal_senders', String(c.maxWalSenders)],
    ['max_replication_slots', String(c.maxReplicationSlots)],
    ['wal_keep_size', c.walKeepSize],
    ['wal_log_hints', 'on'],
    ['hot_standby', 'on'],
  ]
}

/** ALTER SYSTEM statements that bring a running server up to the cluster's needs (never down). */
export function settingsToRaise(c: PgCluster, f: PgFacts, addresses: readonly string[]): string[] {
  const out: string[] = []
  if (f.walLevel === 'minimal') out.push(alterSystem('wal_level', 'replica'))
  if (f.maxWalSenders < c.maxWalSenders) out.push(alterSystem('max_wal_senders', String(c.maxWalSenders)))
  if (f.maxSlots < c.maxReplicationSlots) out.push(alterSystem('max_replication_slots', String(c.maxReplicationSlots)))
  if (f.walKeepBytes < sizeBytes(c.walKeepSize)) out.push(alterSystem('wal_keep_size', c.walKeepSize))
  if (!f.checksums && !f.walLogHints) out.push(alterSystem('wal_log_hints', 'on'))
  if (!f.hotStandby) out.push(alterSystem('hot_standby', 'on'))
  const listen = f.listen.split(',').map((s) => s.trim()).filter(Boolean)
  if (!listen.includes('*')) {
    const missing = addresses.filter((a) => !listen.includes(a))
    if (missing.length) out.push(alterSystem('listen_addresses', [...listen, ...missing].join(',')))
  }
  return out
}

export function settingsStep(op: CreateClusterOp, preflighted: Handoff<Preflighted>): Step<CreateClusterParams> {
  const { c, m, P } = op
  return {
    id: 'settings',
    title: `Replication settings on ${m.name}`,
    hosts: [m.host],
    plan: () => [P.planned(P.psql([...clusterSettings(c).map(([k, v]) => alterSystem(k, v)), 'SELECT pg_reload_conf()'], 'only the settings that are lower than needed; never lowers one'))],
    check: async (ctx) => settingsToRaise(c, await upFacts(op), await addressesOf(op, preflighted, ctx)).length === 0,
    async run(ctx, report) {
      const sql = settingsToRaise(c, await upFacts(op), await addressesOf(op, preflighted, ctx))
      if (sql.length) await P.sql([...sql, 'SELECT pg_reload_conf()'])
      report({ message: `${sql.length} setting${sql.length === 1 ? '' : 's'} changed` })
    },
  }
}
