// A planned MariaDB switchover, as journaled steps (one file each here; repoint and promote are
// shared with failover, ../role-steps.ts):
//   preflight   every member read: `from` the one writable primary, `to` replicates from it
//               (both threads) and is caught up within bounds, no split brain
//   read-only   `from` refuses writes: read_only = ON in its option file and SET GLOBAL (which
//               waits, bounded, for commits in flight); its gtid_binlog_pos then is the target
//               — writes stop here
//   catch-up    `to` has executed that position (MASTER_GTID_WAIT, bounded)
//   repoint     the other replicas follow `to` (still a replica: it has every transaction)
//   promote     `to`: STOP SLAVE, RESET SLAVE ALL, read_only = OFF — writes resume here
//   demote      `from` follows `to` (CHANGE MASTER … MASTER_USE_GTID = slave_pos, read-only)
//   verify      every reachable member replicates from `to`
// Zero loss by construction: `to` is promoted only once it executed everything `from` wrote
// before it refused writes. Users with READ_ONLY ADMIN or SUPER are not bound by read_only
// (the plan says so). Abandon before the promotion: `from` writable again, the others follow it
// again. After it: nothing goes back, every member follows the primary of then.
import { z } from 'zod'
import { roleChangeAssessment } from '../../../../../shared/operations'
import type { Step } from '../../../operations'
import type { HostExec } from '../../host-exec'
import { Handoff } from '../../handoff'
import { SWITCHOVER_MAX_BEHIND } from '../assess'
import { mariaCluster, refineMembers } from '../model'
import { promoteStep, repointStep } from '../role-steps'
import type { MariaReading } from '../roles'
import { switchoverOp, type SwitchoverHandoffs } from './context'
import { catchUpStep, readOnlyStep } from './stop-writes'
import { demoteStep, preflightStep, verifyStep } from './steps'

export const switchoverParams = z
  .object({
    cluster: mariaCluster,
    from: z.string(),
    to: z.string(),
    /** Most transactions `to` may be behind in pre-flight (the catch-up waits for them while writes pause). */
    maxBehindTransactions: z.number().int().min(0).default(SWITCHOVER_MAX_BEHIND),
    /** How long SET GLOBAL read_only = ON waits for commits in flight (lock_wait_timeout). */
    readOnlyWaitS: z.number().int().min(1).default(10),
    catchUpTimeoutS: z.number().int().min(1).default(60),
    streamTimeoutS: z.number().int().min(1).default(30),
    /** The plan's judgement, for the plan's summary; journaled as what the user saw. */
    assessment: roleChangeAssessment.optional(),
  })
  .superRefine((p, ctx) => {
    refineMembers(ctx, p.cluster, { from: p.from, to: p.to })
    if (p.from === p.to) ctx.addIssue({ code: 'custom', message: 'The target is the primary already', path: ['to'] })
  })
export type MariaSwitchoverParams = z.output<typeof switchoverParams>

export function buildSwitchover(hosts: HostExec, p: MariaSwitchoverParams): Step<MariaSwitchoverParams>[] {
  const op = switchoverOp(hosts, p)
  const h: SwitchoverHandoffs = {
    judged: new Handoff<MariaReading[]>('every member as pre-flight read and found them fit this attempt'),
    target: new Handoff<string>("from's gtid_binlog_pos once it refused writes, this attempt"),
  }
  const judged = (a: { operationId: string; attempt: number }) => h.judged.get(a)
  return [
    preflightStep(op, h),
    readOnlyStep(op, h),
    catchUpStep(op, h),
    repointStep<MariaSwitchoverParams>(op.c, op.T, op.others, { handed: judged, undoTo: op.F.member }),
    promoteStep<MariaSwitchoverParams>(hosts, op.c, op.T, judged),
    demoteStep(op, h),
    verifyStep(op),
  ]
}

export { switchoverSummary } from './summary'
