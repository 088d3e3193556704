// assess: first attempt: the plan's read (made by the caller a moment ago) stands and nothing is
// read here, so nothing delays the fence; a resumed attempt reads the survivors here (is `to`
// promoted already?) and judges them.
// fence: the old primary fenced within fenceTimeoutMs (connect included) while the survivors are
// read again and judged beside it, in parallel (unless assess judged them this attempt). Both
// settle before anything else: a refusal never leaves a fence in flight (abandon unfences and
// starts the old primary: undo). Not reached in time: it stays marked fenced in the record (the
// core) and is fenced when it is seen again. What was read is handed along (Survivors).
import type { Step } from '../../../operations'
import type { Attempt, Handoff } from '../../handoff'
import { assessMariaFailover } from '../assess'
import { mariaError } from '../errors'
import { fence, fenceCommand, unfence } from '../fence'
import { isRunning, startMember } from '../instance'
import { promotedNow } from '../role-steps'
import { gtidContains, isPrimaryNow, setReadOnlyLine, type MariaReading } from '../roles'
import { runSql } from '../sql'
import type { MariaFailoverParams } from '.'
import { readSurvivors, type FailoverOp } from './context'

/**
 * The survivors (`to` first) as read this attempt: `judged` held against the confirmed plan,
 * `promoted` a resume found `to` the primary already, `read` not judged yet.
 */
export interface Survivors {
  seen: MariaReading[]
  verdict: 'judged' | 'promoted' | 'read'
}

/** The survivors read and judged in this attempt, for the steps that act on them right after. */
export const judgedSurvivors = (h: Handoff<Survivors>) => (a: Attempt) => {
  const s = h.get(a)
  return s?.verdict === 'judged' ? s.seen : undefined
}

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
    async check(ctx) {
      if (ctx.attempt <= 1) return false // the plan's read stands; the fence step reads them again
      const seen = await readSurvivors(op)
      const promoted = isPrimaryNow(seen[0]!)
      survivors.put(ctx, { seen, verdict: promoted ? 'promoted' : 'read' })
      return promoted
    },
    async run(ctx, report) {
      const read = survivors.get(ctx)
      if (ctx.attempt <= 1 && !read) {
        const planned = p.assessment.candidates.find((v) => v.name === p.to)?.gtid ?? 'nothing'
        report({ message: `${p.to} had received ${planned || 'nothing'} when planned; expected loss: ${p.assessment.loss.text} (read again beside the fence)` })
        return
      }
      const seen = read?.seen ?? (await readSurvivors(op))
      const has = judge(op, seen)
      survivors.put(ctx, { seen, verdict: 'judged' })
      report({ message: `${p.to} received ${has || 'nothing'}; expected loss: ${p.assessment.loss.text}` })
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
    const code = (err as { code?: string }).code
    if (code !== 'ssh_connect' && code !== 'ssh_timeout') throw err
    return `${p.from} on ${F.host} does not answer within ${p.fenceTimeoutMs} ms (${(err as Error).message}); it stays marked fenced and is fenced when it is seen again`
  }
}

export function fenceStep(op: FailoverOp, survivors: Handoff<Survivors>): Step<MariaFailoverParams> {
  const { p, T, F, others } = op
  const settled = (s: Survivors | undefined) => s !== undefined && s.verdict !== 'read'
  return {
    id: 'fence',
    title: p.from ? `Fence ${p.from} (stopped, never started again until it rejoins; its host is given ${p.fenceTimeoutMs} ms to answer)` : 'Fence the old primary (unknown: nothing to do)',
    hosts: [...(F ? [F.host] : []), T.host, ...others.map((n) => n.host)],
    plan: () => {
      if (!F) return []
      const c0 = F.planned(fenceCommand(F, `failover to ${p.to}`, true))
      return [{ ...c0, note: `${c0.note ?? ''}; at most ${p.fenceTimeoutMs} ms, connect included: a host that does not answer by then stays fenced in the record and is fenced when it is seen again` }]
    },
    check: async (ctx) => !F && settled(survivors.get(ctx)),
    async run(ctx, report) {
      const reread = settled(survivors.get(ctx))
        ? Promise.resolve(undefined)
        : readSurvivors(op).then((seen) => {
            judge(op, seen)
            survivors.put(ctx, { seen, verdict: 'judged' })
          })
      const fenced = fenceOld(op, ctx.operationId)
      const [r, f] = await Promise.allSettled([reread, fenced])
      if (f.status === 'rejected') throw f.reason
      if (r.status === 'rejected') throw r.reason
      if (f.value) report({ message: f.value })
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
