// sync: synchronous_standby_names without the member, first, so that no write waits for a
// standby that is going away (on the primary only as far as the standbys streaming now
// satisfy). The check locates the primary again and reads every member on every attempt; the
// run acts on what its check read.
import type { Step } from '../../../operations'
import type { RemoveReplicaParams } from '../remove-replica'
import type { Handoff } from '../../handoff'
import { alterSystem } from '../statements'
import { degradedSyncValue, syncNames } from '../sync'
import { locate, located, standbysUp, type Located, type RemoveReplicaOp, type Up } from './context'

export function syncStep(op: RemoveReplicaOp, h: Handoff<Located>): Step<RemoveReplicaParams> {
  const { c, member, remaining, nodeOf } = op
  const wantPrimary = (up: Up) => degradedSyncValue(c, syncNames(c, up.member.name, [member.name]), up.facts.senders.filter((s) => s.state === 'streaming' && s.name !== member.name).map((s) => s.name))
  const setSync = (m: Up, value: string) => nodeOf(m.member).sql([alterSystem('synchronous_standby_names', value), 'SELECT pg_reload_conf()'])
  return {
    id: 'sync',
    title: `synchronous_standby_names without ${member.name}`,
    hosts: remaining.map((m) => m.host),
    plan: () => remaining.map((m) => nodeOf(m).planned(nodeOf(m).psql([alterSystem('synchronous_standby_names', syncNames(c, m.name, [member.name])), 'SELECT pg_reload_conf()']))),
    async check(ctx) {
      const at = h.put(ctx, await locate(op))
      return at.up.facts.syncNames === wantPrimary(at.up) && standbysUp(at).every((f) => f.facts.syncNames === syncNames(c, f.member.name, [member.name]))
    },
    async run(ctx, report) {
      const at = await located(op, h, ctx)
      const up = at.up
      const value = wantPrimary(up)
      await Promise.all([up.facts.syncNames !== value && setSync(up, value), ...standbysUp(at).map((f) => setSync(f, syncNames(c, f.member.name, [member.name])))])
      report({ message: `synchronous_standby_names = '${value}' on ${up.member.name}` })
    },
  }
}
