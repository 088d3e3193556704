// A failover, as journaled steps (failover/ holds one file each; promote and repoint are
// shared with switchover, role-steps.ts):
//   assess   first attempt: the plan's read (made by the caller a moment ago) stands; a resumed
//            one reads the survivors again. Either way they are read again under the lease, in
//            parallel with the fence, before anything is promoted:
//            `to` is still a standby, nobody writes, `to` has no less WAL than planned, the
//            loss is no worse than the plan the user confirmed
//   fence    the old primary, when it answers: stopped, standby.signal + follow settings, fence
//            marker, Debian start.conf disabled, in one remote command. A killed postmaster
//            (a zombie, or a pid file left behind) counts as stopped at once. The attempt is
//            bounded (fenceTimeoutMs, connect included: short where status shows the host
//            silent, so a powered-off box costs the promotion that long at most, and the plan
//            says how long). When it does not answer, it stays marked fenced in the record and
//            is fenced the moment it is seen again (never started as primary). The survivors'
//            read (see assess) runs beside it; a refusal there leaves the old primary fenced
//            (abandon restarts it: undo)
//   promote  `to` accepts writes; in the same command, right after, its synchronous_standby_names
//            becomes the record's without the fenced old primary (started by hand as a standby
//            it must never confirm a commit; until then it is stopped or cut off)
//   address  (a cluster with a service address) on `to`'s host, announced, then off the old
//            primary's host when it answered the fence (make before break: until then
//            clients there are refused and retry at once), and off the other standbys' hosts
//   repoint  the other standbys follow `to`, in parallel (those further ahead need a rejoin)
//   verify   the reachable standbys stream from `to`
// The critical path reads each server once: the survivors' read judged beside the fence is
// handed along (failover/context.ts, Survivors) and the checks of promote and repoint judge it
// instead of asking again; a resume reads them in assess, and without a judged read there
// every check reads the servers.
// The cluster lease is taken on the survivors only (all of them): the old primary is not a
// participant, and any majority of the whole cluster meets the survivors.
import { z } from 'zod'
import { roleChangeAssessment } from '../../../../shared/operations'
import type { Step } from '../../operations'
import type { HostExec } from '../host-exec'
import { Handoff } from '../handoff'
import { memberName, pgCluster, refineMembers, type PgCluster } from './model'
import { promoteStep, repointStep } from './role-steps'
import { moveAddressStep } from './service-address'
import { ahead } from './roles'
import { syncNames } from './sync'
import { assessStep } from './failover/assess'
import { failoverOp, judgedSurvivors, type Survivors } from './failover/context'
import { fenceStep } from './failover/fence'
import { verifyStep } from './failover/verify'

export const failoverParams = z
  .object({
    cluster: pgCluster,
    /** The member that was primary, when known. */
    from: memberName.nullable(),
    to: memberName,
    /** What the user confirmed (journaled: the note of what was promised). */
    assessment: roleChangeAssessment,
    /** How long to try to reach the old primary (connect included) before marking it fenced in the record only. */
    fenceTimeoutMs: z.number().int().min(100).default(3000),
    streamTimeoutS: z.number().int().min(1).default(30),
  })
  .superRefine((p, ctx) => {
    refineMembers(ctx, p.cluster, { to: p.to, from: p.from })
    if (p.from === p.to) ctx.addIssue({ code: 'custom', message: 'The candidate is the old primary', path: ['to'] })
  })
export type FailoverParams = z.output<typeof failoverParams>

/** The members whose hosts grant a failover's lease: every member but the old primary. */
export const failoverLeaseHosts = (c: PgCluster, from: string | null) => [...new Set(c.members.filter((m) => m.name !== from).map((m) => m.host))]

export function buildFailover(hosts: HostExec, p: FailoverParams): Step<FailoverParams>[] {
  const op = failoverOp(hosts, p)
  const { c, T, others } = op
  const survivors = new Handoff<Survivors>('the survivors as read (and judged) this attempt')
  const answered = new Handoff<boolean>("whether the old primary's host answered the fence this attempt")
  const judged = judgedSurvivors(survivors)
  const fencedAfter: PgCluster = { ...c, fenced: [...new Set([...c.fenced, ...(p.from ? [p.from] : [])])] }
  // A standby that received more than the new primary cannot follow it: rejoin rewinds it.
  const lsnOf = (name: string) => p.assessment.candidates.find((v) => v.name === name)?.lsn ?? null
  const skip = (name: string) => ((ahead(lsnOf(name), lsnOf(p.to)) ?? 0) > 0 ? `${name} received more than ${p.to}: rejoin it (pg_rewind)` : undefined)
  return [
    assessStep(op, survivors),
    fenceStep(op, survivors, answered),
    promoteStep<FailoverParams>(hosts, c, T, judged, syncNames(fencedAfter, p.to)),
    // Right after the promotion, make before break (see service-address.ts).
    ...moveAddressStep<FailoverParams>(hosts, c, T, op.F && { host: op.F.host, answered: (ctx) => answered.get(ctx) }),
    repointStep<FailoverParams>(fencedAfter, T, others, { handed: judged, skip }),
    verifyStep(op),
  ]
}
