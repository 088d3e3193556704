// restart (adopt): only when a setting the server takes only at a restart differs (log_bin,
// log_slave_updates, port, socket, bind-address, skip-name-resolve; a plain server not started
// from ReplicaDesk's option file), and only when the user allowed it. The check reads the
// server on every attempt.
import type { Step } from '../../../operations'
import type { CreateClusterParams } from '../create-cluster'
import { mariaError } from '../errors'
import { startCommands, stopCommands, restartMember } from '../instance'
import { readAdoptTarget } from './adopt'
import type { CreateClusterOp } from './context'

export function restartStep(op: CreateClusterOp): Step<CreateClusterParams> {
  const { p, m, P } = op
  return {
    id: 'restart',
    title: `Restart ${m.name} if a changed setting needs it`,
    hosts: [m.host],
    plan: () => [...stopCommands(P), ...startCommands(P)].map((c) => P.planned({ ...c, note: `only when a restart-only setting differs (log_bin, log_slave_updates, bind-address, …)${c.note ? `; ${c.note}` : ''}` })),
    check: async () => (await readAdoptTarget(op)).restartFor.length === 0,
    async run(_ctx, report) {
      const t = await readAdoptTarget(op)
      if (!t.restartFor.length) return
      if (!p.allowRestart) {
        throw mariaError('preflight_failed', `${m.name} on ${m.host} must restart for ${t.restartFor.join(', ')} to take effect, and a restart was not allowed. Restart it yourself (ReplicaDesk's option file is written), then resume.`, { host: m.host, member: m.name, pending: t.restartFor })
      }
      report({ message: `Restarting ${m.name} for ${t.restartFor.join(', ')}` })
      await restartMember(P, t.facts.pidFile)
    },
  }
}
