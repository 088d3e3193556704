// streaming: waits until the primary's pg_stat_replication shows the member streaming. The
// check asks the primary on every attempt.
import type { Step } from '../../../operations'
import type { RejoinParams } from '../rejoin'
import { pgError } from '../errors'
import { logFile } from '../model'
import { waitStreaming, waitStreamingSql } from '../roles'
import { located, plannedPrimary, type RejoinHandoffs, type RejoinOp } from './context'

export function streamingStep(op: RejoinOp, h: RejoinHandoffs): Step<RejoinParams> {
  const { p, major, member, nodeOf, at } = op
  return {
    id: 'streaming',
    title: `Wait until ${member.name} streams`,
    hosts: [member.host],
    plan: () => {
      const P = nodeOf(plannedPrimary(op))
      return [P.planned(P.psql([waitStreamingSql([member.name], Math.ceil(p.streamTimeoutMs / 1000))], 'waits on the primary\'s pg_stat_replication'))]
    },
    async check(ctx) {
      const { up } = await located(op, h, ctx)
      return (await waitStreaming(nodeOf(up), [member.name], 0)).length === 1
    },
    async run(ctx, report) {
      const { up } = await located(op, h, ctx)
      const s = Math.ceil(p.streamTimeoutMs / 1000)
      if ((await waitStreaming(nodeOf(up), [member.name], s)).length === 0) {
        throw pgError('not_streaming', `${at} runs as a standby but did not stream from ${up.name} within ${s} s. Look at its log (${logFile(member, major)}) on ${member.host}: the WAL it needs may be gone from ${up.name} (then rejoin with --rebuild). When it is fixed, resume the rejoin.`, { host: member.host })
      }
      report({ message: `${member.name} streams from ${up.name}` })
    },
  }
}
