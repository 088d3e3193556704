// demote: `from` starts as `to`'s standby (a clean stop needs no rewind); its old slots renewed.
// The check judges pre-flight's read of this attempt when there is one (`from` was the
// primary then, and only this attempt's steps ran since: not a standby of `to`), else reads
// `from`.
import type { Step } from '../../../operations'
import type { SwitchoverParams } from '../switchover'
import { configureFollow, configureFollowCommand, freshSlotsStatements, isUp, pointsAt, readPosition, type Seen } from '../roles'
import { seenOf, type SwitchoverHandoffs, type SwitchoverOp } from './context'

export function demoteStep(op: SwitchoverOp, h: SwitchoverHandoffs): Step<SwitchoverParams> {
  const { p, c, F, T } = op
  const follows = (s: Seen | undefined) => !!s && isUp(s) && s.pos.inRecovery && pointsAt(s.pos.conninfo, T.member)
  return {
    id: 'demote',
    title: `Start ${p.from} as a standby of ${p.to}`,
    hosts: [F.host],
    plan: () => [F.planned(configureFollowCommand(F, true)), F.planned(F.psql(freshSlotsStatements(c, F.member), 'slots of its time as primary renewed'))],
    async check(ctx) {
      const judged = h.judged.get(ctx)
      return follows(judged ? seenOf(judged, F) : await readPosition(F))
    },
    async run(_ctx, report) {
      await configureFollow(c, F, T.member, true)
      await F.sql(freshSlotsStatements(c, F.member))
      report({ message: `${p.from} runs as a standby of ${p.to}` })
    },
  }
}
