// sync: synchronous_standby_names as the record says, on every member (where it differs).
// Reads every member each time; never found done.
import type { Step } from '../../../operations'
import type { SwitchoverParams } from '../switchover'
import { isUp, readPosition } from '../roles'
import { alterSystem } from '../statements'
import { syncNames } from '../sync'
import type { SwitchoverOp } from './context'

export function syncStep(op: SwitchoverOp): Step<SwitchoverParams> {
  const { p, c, node } = op
  const syncTargets = () => c.members.map((m) => ({ n: node(m), want: syncNames(c, m.name) }))
  return {
    id: 'sync',
    title: 'Apply synchronous_standby_names',
    hosts: c.members.map((m) => m.host),
    plan: () => syncTargets().map(({ n, want }) => n.planned(n.psql([alterSystem('synchronous_standby_names', want), 'SELECT pg_reload_conf()'], 'where it differs'))),
    check: async () => false,
    async run(_ctx, report) {
      const fixed = await Promise.all(
        syncTargets().map(async ({ n, want }) => {
          const s = await readPosition(n)
          if (!isUp(s) || s.pos.syncNames === want) return undefined
          await n.sql([alterSystem('synchronous_standby_names', want), 'SELECT pg_reload_conf()'])
          return n.name
        }),
      )
      const changed = fixed.filter(Boolean)
      report({ message: changed.length ? `synchronous_standby_names set on ${changed.join(', ')}` : `synchronous_standby_names already right ('${syncNames(c, p.to) || 'asynchronous'}' on ${p.to})` })
    },
  }
}
