// verify: every reachable standby streams from `to`. Reads the servers each time; never found done.
import type { Step } from '../../../operations'
import type { SwitchoverParams } from '../switchover'
import { pgError } from '../errors'
import { isUp, readPosition, waitStreaming, waitStreamingSql } from '../roles'
import type { SwitchoverOp } from './context'

export function verifyStep(op: SwitchoverOp): Step<SwitchoverParams> {
  const { p, c, F, T, others } = op
  return {
    id: 'verify',
    title: `Verify that the standbys stream from ${p.to}`,
    hosts: c.members.map((m) => m.host),
    plan: () => [T.planned(T.psql([waitStreamingSql([...others.map((n) => n.name), p.from], p.streamTimeoutS)], 'waits on pg_stat_replication'))],
    check: async () => false,
    async run(_ctx, report) {
      const reachable = (await Promise.all([F, ...others].map((n) => readPosition(n)))).filter(isUp).map((s) => s.member.name)
      const streaming = await waitStreaming(T, reachable, p.streamTimeoutS)
      const missing = reachable.filter((x) => !streaming.includes(x))
      if (missing.length) throw pgError('not_streaming', `${missing.join(', ')} did not stream from ${p.to} within ${p.streamTimeoutS} s. Look at their logs; resume to check again, or rejoin them.`)
      report({ message: `${streaming.join(', ') || 'no standby'} stream${streaming.length === 1 ? 's' : ''} from ${p.to}` })
    },
  }
}
