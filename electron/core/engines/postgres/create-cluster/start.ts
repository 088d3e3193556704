// start (init): the new primary starts. The check reads it on every attempt: done when it
// answers as a primary from its data dir.
import type { Step } from '../../../operations'
import type { CreateClusterParams } from '../create-cluster'
import { readState } from '../access'
import { readFacts } from '../facts'
import { execTimeoutMs, isRunning, START_TIMEOUT_S, startCommand, stopCommand } from '../instance'
import type { CreateClusterOp } from './context'

export function startStep(op: CreateClusterOp): Step<CreateClusterParams> {
  const { m, P, role } = op
  const primaryRunning = async () => {
    const f = await readFacts(P, role)
    return 'facts' in f && !f.facts.inRecovery && f.facts.dataDir === m.dataDir ? f.facts : undefined
  }
  return {
    id: 'start',
    title: `Start ${m.name}`,
    hosts: [m.host],
    plan: () => [P.planned(startCommand(P))],
    check: async () => (await primaryRunning()) !== undefined,
    async run() {
      await P.run(startCommand(P), { timeoutMs: execTimeoutMs(START_TIMEOUT_S) })
    },
    async undo(ctx) {
      const own = await readState(P, undefined, true)
      if (own.claim?.operation === ctx.operationId && (await isRunning(P))) await P.run(stopCommand(P), { timeoutMs: execTimeoutMs(START_TIMEOUT_S) })
    },
  }
}
