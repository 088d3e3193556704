// assess: first attempt: the plan's read (made by the caller a moment ago) stands and nothing is
// read here, so nothing delays the fence; a resumed attempt reads the survivors here (is `to`
// promoted already?) and judges them.
// fence: the old primary fenced within fenceTimeoutMs (connect included) while the survivors are
// read again and judged beside it, in parallel (unless assess judged them this attempt). Both
// settle before anything else: a refusal never leaves a fence in flight (abandon unfences and
// starts the old primary: undo). Not reached in time: it stays marked fenced in the record (the
// core) and is fenced when it is seen again. What was read is handed along (Survivors).
import type { Step } from '../../../operations'
import { boundedFence, fenceBesideSurvivors, judgeSurvivors, promotedOnResume, settled, unansweredFence, type Survivors as SurvivorsOf } from '../../failover-survivors'
import type { Handoff } from '../../handoff'
import { assessMariaFailover } from '../assess'
import { mariaError } from '../errors'
import { fence, fenceCommand, unfence } from '../fence'
import { isRunning, startMember } from '../instance'
import { promotedNow } from '../role-steps'
import { gtidContains, isPrimaryNow, setReadOnlyLine, type MariaReading } from '../roles'
import { runSql } from '../sql'
import type { MariaFailoverParams } from '.'
import { readSurvivors, type FailoverOp } from './context'

/** The survivors (`to` first) as read this attempt (failover-survivors.ts). */
export type Survivors = SurvivorsOf<MariaReading>

export { judgedSurvivors } from '../../failover-survivors'

/** The survivors as read now, judged against the confirmed plan; throws when it no longer holds. Returns what `to` received. */
export function judge(op: FailoverOp, seen: MariaReading[]): string {
  const { p, c, T } = op
  const promised = p.assessment.loss.kind === 'none'
  // The plan's "none" rested on semi-sync being in force then; judged again with that, on what is read now.
  const lastPrimary = p.from ? { member: p.from, gtid: '', at: new Date().toISOString(), semiSyncOn: promised } : null
  const now = assessMariaFailover({ cluster: c, from: p.from, seen, lastPrimary, to: p.to })
  const had = p.assessment.candidates.find((v) => v.name === p.to)?.gtid ?? ''
  const has = now.candidates.find((v) => v.name === p.to)?.gtid ?? ''
  // What it received only grows; less than the plan said means another server than planned.
  if (!gtidContains(has, had)) throw mariaError('cluster_state', `${p.to} has received less now (${has || 'nothing'}) than when the plan was made (${had}). Nothing was promoted: make the plan again.`, { host: T.host })
  if (promised && now.loss.kind !== 'none') throw mariaError('cluster_state', `The plan said no acknowledged transaction is lost; read again now: ${now.loss.text} Nothing was promoted: make the plan again.`, { host: T.host })
  return has
}

export function assessStep(op: FailoverOp, survivors: Handoff<Survivors>): Step<MariaFailoverParams> {
  const { p, T, others } = op
  return {
    id: 'assess',
    title: `Check that ${p.to} can take over`,
    hosts: [T, ...others].map((n) => n.host),
    plan: () => [T, ...others].map((n) => n.planned(n.mysql(['mariadb', '…'], 'reads read_only, GTID positions and the replication threads (again beside the fence)'))),
    // The plan's read stands on a first attempt; the fence step reads them again.
    check: (ctx) => promotedOnResume(ctx, survivors, () => readSurvivors(op), isPrimaryNow),
    async run(ctx, report) {
      const judged = await judgeSurvivors(ctx, survivors, () => readSurvivors(op), (seen) => judge(op, seen))
      if (!judged) {
        const planned = p.assessment.candidates.find((v) => v.name === p.to)?.gtid ?? 'nothing'
        report({ message: `${p.to} had received ${planned || 'nothing'} when planned; expected loss: ${p.assessment.loss.text} (read again beside the fence)` })
        return
      }
      report({ message: `${p.to} received ${judged.found || 'nothing'}; expected loss: ${p.assessment.loss.text}` })
    },
  }
}

/** Fences the old primary within fenceTimeoutMs; says what happened. */
async function fenceOld(op: FailoverOp, operationId: string): Promise<string> {
  const { p, c, F } = op
  if (!F) return ''
  try {
    const how = await fence(F, `failover of ${c.id} to ${p.to} (operation ${operationId})`, p.fenceTimeoutMs)
    return `${p.from} ${how === 'stopped' ? 'stopped' : 'was not running'} and fenced`
  } catch (err) {
    return unansweredFence(err, p.from, F.host, p.fenceTimeoutMs)
  }
}

export function fenceStep(op: FailoverOp, survivors: Handoff<Survivors>): Step<MariaFailoverParams> {
  const { p, T, F, others } = op
  return {
    id: 'fence',
    title: p.from ? `Fence ${p.from} (stopped, never started again until it rejoins; its host is given ${p.fenceTimeoutMs} ms to answer)` : 'Fence the old primary (unknown: nothing to do)',
    hosts: [...(F ? [F.host] : []), T.host, ...others.map((n) => n.host)],
    plan: () => {
      if (!F) return []
      return [boundedFence(F.planned(fenceCommand(F, `failover to ${p.to}`, true)), p.fenceTimeoutMs)]
    },
    check: async (ctx) => !F && settled(survivors.get(ctx)),
    async run(ctx, report) {
      await fenceBesideSurvivors(ctx, survivors, () => readSurvivors(op), (seen) => judge(op, seen), () => fenceOld(op, ctx.operationId), report)
    },
    // Abandoned before the promotion: the old primary (where it answers) runs again as it was.
    async undo() {
      if (!F || (await promotedNow(T))) return
      // The fence set read_only = ON in its option file: the primary it was comes back writable.
      await unfence(F)
      await setReadOnlyLine(F, false)
      if (!(await isRunning(F))) await startMember(F)
      await runSql(F, 'SET GLOBAL read_only = OFF')
    },
  }
}
