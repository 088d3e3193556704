// A MariaDB failover, as journaled steps (one file each here; repoint and promote are shared
// with switchover, ../role-steps.ts):
//   assess   first attempt: the plan's read (made by the caller a moment ago) stands; a resumed
//            one reads the survivors again. Either way they are read again beside the fence,
//            before anything is promoted: `to` is still a replica, nobody writes, `to` received
//            no less than planned, the loss is no worse than the plan the user confirmed
//   fence    the old primary, when its host answers within fenceTimeoutMs (connect included):
//            the fence marker, read_only = ON in its option file, the Debian unit disabled, the
//            server stopped, in one command (a killed mariadbd counts as stopped). When it does
//            not answer it stays marked fenced in the record (the core) and is fenced the
//            moment it is seen again (the fence watcher, fenceNow)
//   apply    `to` executes everything it received (MASTER_GTID_WAIT on its own Gtid_IO_Pos,
//            bounded by applyTimeoutS): its relay log is not thrown away by the promotion
//   repoint  the other replicas follow `to` (those that received more than it need a rejoin)
//   promote  `to`: STOP SLAVE, RESET SLAVE ALL, read_only = OFF — writes resume here
//   verify   the reachable replicas replicate from `to`
// The cluster lease is taken on the survivors only: the old primary is not a participant.
import { z } from 'zod'
import { roleChangeAssessment } from '../../../../../shared/operations'
import type { Step } from '../../../operations'
import type { HostExec } from '../../host-exec'
import { Handoff } from '../../handoff'
import { mariaCluster, refineMembers, type MariaCluster } from '../model'
import { promoteStep, repointStep } from '../role-steps'
import { gtidContains } from '../roles'
import { applyStep, verifyStep } from './apply'
import { assessStep, fenceStep, judgedSurvivors, type Survivors } from './fence'
import { failoverOp } from './context'

export const failoverParams = z
  .object({
    cluster: mariaCluster,
    /** The member that was primary, when known. */
    from: z.string().nullable(),
    to: z.string(),
    /** What the user confirmed (journaled: the note of what was promised). */
    assessment: roleChangeAssessment,
    /** How long to try to reach the old primary (connect included) before leaving it fenced in the record only. */
    fenceTimeoutMs: z.number().int().min(100).default(3000),
    /** How long `to` may take to execute what it received before it is promoted. */
    applyTimeoutS: z.number().int().min(1).default(60),
    streamTimeoutS: z.number().int().min(1).default(30),
  })
  .superRefine((p, ctx) => {
    refineMembers(ctx, p.cluster, { to: p.to, from: p.from })
    if (p.from === p.to) ctx.addIssue({ code: 'custom', message: 'The candidate is the old primary', path: ['to'] })
  })
export type MariaFailoverParams = z.output<typeof failoverParams>

/** The hosts that grant a failover's lease: every member's but the old primary's. */
export const failoverLeaseHosts = (c: Pick<MariaCluster, 'members'>, from: string | null) => [...new Set(c.members.filter((m) => m.name !== from).map((m) => m.host))]

export function buildFailover(hosts: HostExec, p: MariaFailoverParams): Step<MariaFailoverParams>[] {
  const op = failoverOp(hosts, p)
  const survivors = new Handoff<Survivors>('the survivors as read (and judged) this attempt')
  const judged = judgedSurvivors(survivors)
  // A replica that received more than the new primary cannot follow it: rejoin it.
  const gtidOf = (name: string) => p.assessment.candidates.find((v) => v.name === name)?.gtid
  const skip = (name: string) => {
    const mine = gtidOf(name)
    return mine && !gtidContains(gtidOf(p.to) ?? '', mine) ? `${name} received more than ${p.to}: rejoin it` : undefined
  }
  const fencedAfter: MariaCluster = { ...op.c, fenced: [...new Set([...op.c.fenced, ...(p.from ? [p.from] : [])])] }
  return [
    assessStep(op, survivors),
    fenceStep(op, survivors),
    applyStep(op, judged),
    // Abandoned before the promotion (the old primary unfenced and started again: fence's undo, after this one), they follow it again.
    repointStep<MariaFailoverParams>(fencedAfter, op.T, op.others, { handed: judged, skip, undoTo: op.F?.member }),
    promoteStep<MariaFailoverParams>(hosts, fencedAfter, op.T, judged),
    verifyStep(op),
  ]
}

export { failoverSummary } from './summary'
