// assess: first attempt: the plan's read (made by the caller a moment ago) stands and nothing
// is read here, so nothing delays the fence: the survivors are read again under the lease in
// parallel with the fence (fence step), before anything is promoted. A resumed attempt reads
// the survivors here (is `to` promoted already?) and judges them. Either way they are judged
// against the plan the user confirmed: `to` is still a standby, nobody writes, `to` has no less
// WAL than planned, the loss is no worse. What was read and found is handed along (Survivors)
// to the fence, promote and repoint steps of this attempt.
import type { Step } from '../../../operations'
import type { FailoverParams } from '../failover'
import { assessFailover } from '../assess'
import { pgError } from '../errors'
import type { Handoff } from '../../handoff'
import { judgeSurvivors, promotedOnResume } from '../../failover-survivors'
import { ahead, isUp, writable, type Seen } from '../roles'
import { readSurvivors, type FailoverOp, type Survivors } from './context'

/** The survivors as read now, judged against the confirmed plan; throws when it no longer holds. Returns `to`'s WAL position. */
export function judge(op: FailoverOp, seen: Seen[]): string | null {
  const { p, c, T } = op
  const now = assessFailover({ cluster: c, from: p.from, seen, lastPrimary: null, to: p.to })
  const had = p.assessment.candidates.find((v) => v.name === p.to)?.lsn ?? null
  const has = now.candidates.find((v) => v.name === p.to)?.lsn ?? null
  // The candidate's WAL only grows; less than the plan said means another server than planned.
  if (had && (ahead(had, has) ?? 1) > 0) throw pgError('cluster_state', `${p.to} has less WAL now (${has ?? 'none'}) than when the plan was made (${had}). Nothing was promoted: make the plan again.`, { host: T.host })
  // Promised: no loss. A synchronous standby that stopped answering since makes that unsure.
  if (p.assessment.loss.kind === 'none' && now.loss.kind !== 'none') throw pgError('cluster_state', `The plan said no acknowledged write is lost; read again now: ${now.loss.text} Nothing was promoted: make the plan again.`, { host: T.host })
  return has
}

export function assessStep(op: FailoverOp, survivors: Handoff<Survivors>): Step<FailoverParams> {
  const { p, T, others } = op
  return {
    id: 'assess',
    title: `Check that ${p.to} can take over`,
    hosts: [T, ...others].map((n) => n.host),
    plan: () => [T, ...others].map((n) => n.planned(n.psql(['SELECT json_build_object(…)'], 'reads role and WAL positions (again under the lease, beside the fence)'))),
    // First attempt: the caller read the survivors for the plan a moment ago; nothing of this
    // operation ran, so nothing can be promoted yet. The fence step reads them again.
    check: (ctx) => promotedOnResume(ctx, survivors, () => readSurvivors(op), (t) => isUp(t) && writable(t.pos)),
    async run(ctx, report) {
      const judged = await judgeSurvivors(ctx, survivors, () => readSurvivors(op), (seen) => judge(op, seen))
      if (!judged) {
        const planned = p.assessment.candidates.find((v) => v.name === p.to)?.lsn ?? 'none'
        report({ message: `${p.to} at ${planned} when planned; expected loss: ${p.assessment.loss.text} (read again beside the fence)` })
        return
      }
      report({ message: `${p.to} at ${judged.found}; expected loss: ${p.assessment.loss.text}` })
    },
  }
}
