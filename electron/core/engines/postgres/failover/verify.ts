// verify: the reachable standbys stream from `to` (those that do not are named: rejoin them).
// Reads the servers every time; never found done.
import type { Step } from '../../../operations'
import type { FailoverParams } from '../failover'
import { isUp, readPosition, waitStreaming, waitStreamingSql } from '../roles'
import type { FailoverOp } from './context'

export function verifyStep(op: FailoverOp): Step<FailoverParams> {
  const { p, T, others } = op
  return {
    id: 'verify',
    title: `Verify that the standbys stream from ${p.to}`,
    hosts: [T.host],
    plan: () => [T.planned(T.psql([waitStreamingSql(others.map((n) => n.name), p.streamTimeoutS)], 'waits on pg_stat_replication'))],
    check: async () => false,
    async run(_ctx, report) {
      const reachable = (await Promise.all(others.map((n) => readPosition(n)))).filter((s) => isUp(s) && s.pos.inRecovery).map((s) => s.member.name)
      const streaming = await waitStreaming(T, reachable, p.streamTimeoutS)
      const missing = reachable.filter((x) => !streaming.includes(x))
      report({ message: `${streaming.join(', ') || 'no standby'} stream${streaming.length === 1 ? 's' : ''} from ${p.to}${missing.length ? `; not streaming: ${missing.join(', ')} (rejoin them)` : ''}` })
    },
  }
}
