// A planned switchover, as journaled steps (switchover/ holds one file each; promote and
// repoint are shared with failover, role-steps.ts):
//   preflight   the primary is `from`; `to` streams from it and is caught up
//   stop        `from` stops fast (its last WAL goes to the connected standbys) — writes stop here
//   catch-up    `to` has replayed `from`'s shutdown checkpoint: it has every write
//   promote     `to` accepts writes — writes resume here
//   repoint     the other standbys follow `to` (ALTER SYSTEM + reload)
//   demote      `from` starts as `to`'s standby (a clean stop needs no rewind); its old slots renewed
//   sync        synchronous_standby_names as the record says, on every member
//   verify      every reachable standby streams from `to`
// Zero lost writes: `to` is promoted only after it replayed everything `from` ever wrote.
// Abandon after the promotion cannot go back (that would lose writes): it makes every member
// follow the member that is primary then.
// Writes stop between stop and promote: there the checks judge what pre-flight read and found
// fit in this attempt, and the checkpoint the stop printed (handed along, switchover/context.ts)
// instead of asking again. A resume has neither: every check reads the servers.
import { z } from 'zod'
import { roleChangeAssessment } from '../../../../shared/operations'
import type { Step } from '../../operations'
import type { HostExec } from '../host-exec'
import { Handoff, type Attempt } from '../handoff'
import { memberName, pgCluster, refineMembers } from './model'
import { promoteStep, repointStep } from './role-steps'
import type { Seen } from './roles'
import { catchUpStep } from './switchover/catch-up'
import { switchoverOp, type SwitchoverHandoffs } from './switchover/context'
import { demoteStep } from './switchover/demote'
import { preflightStep } from './switchover/preflight'
import { stopStep } from './switchover/stop'
import { syncStep } from './switchover/sync'
import { verifyStep } from './switchover/verify'
import { moveAddressStep } from './service-address'

export const switchoverParams = z
  .object({
    cluster: pgCluster,
    from: memberName,
    to: memberName,
    /** Most a caught-up target may trail the primary before the stop (the stop waits for the rest). */
    maxLagBytes: z.number().int().min(0).default(16 * 1024 * 1024),
    catchUpTimeoutS: z.number().int().min(1).default(60),
    streamTimeoutS: z.number().int().min(1).default(60),
    /** The plan's judgement (who, why, how far behind), for the plan's summary; journaled as what the user saw. */
    assessment: roleChangeAssessment.optional(),
  })
  .superRefine((p, ctx) => {
    refineMembers(ctx, p.cluster, { from: p.from, to: p.to })
    if (p.from === p.to) ctx.addIssue({ code: 'custom', message: 'The target is the primary already', path: ['to'] })
  })
export type SwitchoverParams = z.output<typeof switchoverParams>

export function buildSwitchover(hosts: HostExec, p: SwitchoverParams): Step<SwitchoverParams>[] {
  const op = switchoverOp(hosts, p)
  const h: SwitchoverHandoffs = {
    judged: new Handoff<Seen[]>('every member as pre-flight read and found them fit this attempt'),
    checkpoint: new Handoff<string>("from's last checkpoint, as its stop printed it this attempt"),
  }
  const judged = (a: Attempt) => h.judged.get(a)
  return [
    preflightStep(op, h),
    stopStep(op, h),
    catchUpStep(op, h),
    promoteStep<SwitchoverParams>(hosts, op.c, op.T, judged),
    // Right after the promotion: on the new primary's host, then off the old one's (make before break).
    ...moveAddressStep<SwitchoverParams>(hosts, op.c, op.T),
    repointStep<SwitchoverParams>(op.c, op.T, op.others, { handed: judged }),
    demoteStep(op, h),
    syncStep(op),
    verifyStep(op),
  ]
}
