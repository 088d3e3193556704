// stop: the member stops. The check reads it on every attempt.
import type { Step } from '../../../operations'
import type { RemoveReplicaParams } from '../remove-replica'
import { execTimeoutMs, isRunning, START_TIMEOUT_S, stopCommand } from '../instance'
import type { RemoveReplicaOp } from './context'

export function stopStep(op: RemoveReplicaOp): Step<RemoveReplicaParams> {
  const { member, R } = op
  return {
    id: 'stop',
    title: `Stop ${member.name}`,
    hosts: [member.host],
    plan: () => [R.planned(stopCommand(R))],
    check: async () => !(await isRunning(R)),
    async run() {
      await R.run(stopCommand(R), { timeoutMs: execTimeoutMs(START_TIMEOUT_S) })
    },
  }
}
