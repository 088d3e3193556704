// preflight: locate the primary; refuse to remove it; with deleteData, ask the data-dir guard
// now, before anything stops. Changes nothing, so it runs on every attempt; hands the primary
// it located along (Located).
import type { Step } from '../../../operations'
import type { RemoveReplicaParams } from '../remove-replica'
import { checkDataDir, guardRefusal } from '../data-dir-guard'
import { pgError } from '../errors'
import { factsQuery, readFacts } from '../facts'
import type { Handoff } from '../../handoff'
import { locate, type Located, type RemoveReplicaOp } from './context'

export function preflightStep(op: RemoveReplicaOp, located: Handoff<Located>): Step<RemoveReplicaParams> {
  const { p, c, member, node, R, role, prot } = op
  return {
    id: 'preflight',
    title: `Check that ${member.name} is not the primary`,
    hosts: c.members.map((m) => m.host),
    plan: () => c.members.map((m) => node(m).planned(node(m).psql([factsQuery(role)], 'reads role and settings'))),
    check: async () => false,
    async run(ctx, report) {
      const [own, at, guarded] = await Promise.all([readFacts(R, role), locate(op), p.deleteData ? checkDataDir(R, member.dataDir, 'any', prot, true) : undefined])
      located.put(ctx, at)
      // Told now, before anything stops: the delete step asks the same guard again on the server.
      if (guarded?.verdict === 4 && guarded.refusal) throw guardRefusal(member.host, member.dataDir, guarded.refusal, 'delete', true)
      if ('facts' in own && !own.facts.inRecovery) {
        throw pgError('preflight_failed', `${member.name} on ${member.host} is the primary. Switch over to another member first, then remove it.`, { host: member.host, check: 'role' })
      }
      report({ message: `Primary is ${at.up.member.name}; ${member.name} is ${'facts' in own ? 'a standby' : 'not running'}` })
    },
  }
}
