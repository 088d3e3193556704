// restart (adopt): only when a changed setting needs it (pg_settings shows a pending restart),
// and only when the user allowed it. The check reads the primary on every attempt.
import type { Step } from '../../../operations'
import type { CreateClusterParams } from '../create-cluster'
import { pgError } from '../errors'
import { execTimeoutMs, restartCommand, START_TIMEOUT_S } from '../instance'
import { upFacts, type CreateClusterOp } from './context'

export function restartStep(op: CreateClusterOp): Step<CreateClusterParams> {
  const { p, m, P } = op
  return {
    id: 'restart',
    title: `Restart ${m.name} if a changed setting needs it`,
    hosts: [m.host],
    plan: () => [P.planned({ ...restartCommand(P), note: 'only when pg_settings shows a pending restart' })],
    check: async () => (await upFacts(op)).pendingRestart.length === 0,
    async run(_ctx, report) {
      const pending = (await upFacts(op)).pendingRestart
      if (!pending.length) return
      if (!p.allowRestart) {
        throw pgError('preflight_failed', `${m.name} on ${m.host} must restart for ${pending.join(', ')} to take effect, and a restart was not allowed. Restart it yourself, then resume.`, { host: m.host, pending })
      }
      report({ message: `Restarting ${m.name} for ${pending.join(', ')}` })
      await P.run(restartCommand(P), { timeoutMs: execTimeoutMs(START_TIMEOUT_S) })
    },
  }
}
