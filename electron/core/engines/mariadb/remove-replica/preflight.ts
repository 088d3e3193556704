// preflight: the member exists and is not the primary, read on the servers: it answers as a
// replica (or read-only), or, when it does not answer, another member answers as the primary.
// With deleteData, the data-dir guard is asked now, before anything stops (the delete step asks
// it again on the server). Changes nothing, so it runs on every attempt.
import type { Step } from '../../../operations'
import { checkDataDir, guardCommand, guardRefusal } from '../add-replica/data-dir-guard'
import { factsCommand, isPrimary, locatePrimary, readFacts } from '../add-replica/facts'
import { mariaError } from '../errors'
import { who } from '../model'
import type { RemoveReplicaOp } from './context'
import type { RemoveReplicaParams } from './params'

export function preflightStep(op: RemoveReplicaOp): Step<RemoveReplicaParams> {
  const { p, c, member, R, others, prot } = op
  return {
    id: 'preflight',
    title: `Check that ${member.name} is not the primary`,
    hosts: c.members.map((m) => m.host),
    plan: () => [...[R, ...others].map((n) => n.planned(factsCommand(n))), ...(p.deleteData ? [R.planned(guardCommand(R, member.dataDir, 'any', prot, true))] : [])],
    check: async () => false,
    async run(_ctx, report) {
      const [own, reads, guarded] = await Promise.all([readFacts(R), Promise.all(others.map((n) => readFacts(n))), p.deleteData ? checkDataDir(R, member.dataDir, 'any', prot, true) : undefined])
      // Told now, before anything stops: the delete step asks the same guard again on the server.
      if (guarded?.verdict === 4 && guarded.refusal) throw guardRefusal(member.host, member.dataDir, guarded.refusal, 'delete', true)
      if ('facts' in own && isPrimary(own.facts)) {
        throw mariaError('preflight_failed', `${who(member)} is the primary (writable, replicating from nobody). Switch over to another member first, then remove it.`, { host: member.host, check: 'role' })
      }
      if (!('facts' in own)) {
        // It does not answer: only another member answering as the primary proves it is not the primary.
        const up = (() => {
          try {
            return locatePrimary(c, reads)
          } catch {
            return undefined
          }
        })()
        if (!up) throw mariaError('preflight_failed', `${who(member)} does not answer (${own.error}) and no other member answers as the primary, so ReplicaDesk cannot tell that ${member.name} is not the primary. Start the primary (or ${member.name}), then try again.`, { host: member.host, check: 'role' })
        return report({ message: `${member.name} is not running; the primary is ${who(up.member)}` })
      }
      const s = own.facts.slaves[0]
      report({ message: `${member.name} is a replica${s?.masterHost ? ` of ${s.masterHost}:${s.masterPort}` : ' (read-only, replicating from nobody)'}` })
    },
  }
}
