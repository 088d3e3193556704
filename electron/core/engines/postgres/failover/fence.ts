// fence: the old primary, when it answers: stopped, standby.signal + follow settings, fence
// marker, Debian start.conf disabled, in one remote command. A killed postmaster (a zombie, or
// a pid file left behind) counts as stopped at once. The attempt is bounded (fenceTimeoutMs,
// connect included: short where status shows the host silent, so a powered-off box costs the
// promotion that long at most, and the plan says how long). When it does not answer, it stays
// marked fenced in the record and is fenced the moment it is seen again (never started as
// primary). Unless assess judged them in this attempt (a resume), the survivors are read and
// judged here, beside the fence, in parallel, and handed along (Survivors) to promote and
// repoint; a refusal there leaves the old primary fenced (abandon restarts it: undo). The
// check reads nothing: with an old primary the step always runs (fencing again is harmless);
// without one it is done once this attempt's survivors are judged.
import type { Step } from '../../../operations'
import type { FailoverParams } from '../failover'
import type { Attempt, Handoff } from '../../handoff'
import { boundedFence, fenceBesideSurvivors, settled, unansweredFence } from '../../failover-survivors'
import { promotedNow } from '../role-steps'
import { fence, stopAndFenceCommand, unfenceAndStart } from '../roles'
import { judge } from './assess'
import { readSurvivors, type FailoverOp, type Survivors } from './context'

/** Stops and fences the old primary within fenceTimeoutMs; says what happened. */
async function fenceOld(op: FailoverOp, ctx: Attempt & { operationId: string }, answered?: Handoff<boolean>): Promise<string> {
  const operationId = ctx.operationId
  const { p, c, T, F } = op
  if (!F) return ''
  try {
    const stopped = await fence(c, F, T.member, `failover of ${c.id} to ${p.to} (operation ${operationId})`, p.fenceTimeoutMs)
    answered?.put(ctx, true)
    return `${p.from} stopped (${stopped.state}) and fenced`
  } catch (err) {
    // Unreachable: the record marks it fenced (see the cluster service); ReplicaDesk fences
    // it when it is seen again. Any other failure stops the failover before the promotion.
    const said = unansweredFence(err, p.from, F.host, p.fenceTimeoutMs)
    answered?.put(ctx, false)
    return said
  }
}

/** `answered`: whether the old primary's host answered the fence, handed to the address step (it keeps the address until the new primary takes it). */
export function fenceStep(op: FailoverOp, survivors: Handoff<Survivors>, answered?: Handoff<boolean>): Step<FailoverParams> {
  const { p, T, F, others } = op
  return {
    id: 'fence',
    title: p.from ? `Fence ${p.from} (stop it; it may only come back as a standby; its host is given ${p.fenceTimeoutMs} ms to answer)` : 'Fence the old primary (unknown: nothing to do)',
    hosts: F ? [F.host, T.host, ...others.map((n) => n.host)] : [T.host, ...others.map((n) => n.host)],
    plan: () => {
      if (!F) return []
      return [boundedFence(F.planned(stopAndFenceCommand(F, true, `failover to ${p.to}`)), p.fenceTimeoutMs)]
    },
    // Never skipped while the survivors' read of this attempt is still to be judged.
    check: async (ctx) => !F && settled(survivors.get(ctx)),
    async run(ctx, report) {
      const fenced = () => (F ? fenceOld(op, ctx, answered) : Promise.resolve(undefined))
      await fenceBesideSurvivors(ctx, survivors, () => readSurvivors(op), (seen) => judge(op, seen), fenced, report)
    },
    // Abandoned before the promotion: the old primary (where it answers) runs again as it was.
    async undo() {
      if (!F || (await promotedNow(T))) return
      await unfenceAndStart(F)
    },
  }
}
