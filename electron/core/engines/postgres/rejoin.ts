// Rejoin: a member that was primary on an old timeline (after a failover, or a split brain),
// or a fenced member, comes back as a standby of the current primary. Journaled steps (one
// file each in rejoin/):
//   preflight   the one writable primary among the other members (the member itself may be a
//               second one: rejoin is the way out of a split brain); the primary itself is refused
//   checkpoint  CHECKPOINT on the primary (else pg_rewind right after a promotion sees the old
//               timeline and says "no rewind required"), pg_rewind's grants to the replication
//               role, the ReplicaDesk pg_hba block and ~/.pgpass lines where stale, the slot rd_MEMBER
//   stop        fast stop of the member, fenced for the rest of the operation (fence marker,
//               standby.signal, Debian start.conf disabled), its own settings saved outside the
//               data dir (pg_rewind and pg_basebackup copy the source's)
//   rewind      pg_rewind from the primary, standby.signal lifted for the run; or, confirmed,
//   rebuild     the data dir emptied and copied afresh with pg_basebackup
//   start       its own settings back, follow settings and standby.signal, start.conf lifted,
//               start; its old slots (WAL pinned from its time as primary) made fresh
//   streaming   waits until the primary's pg_stat_replication shows it streaming
//   unfence     the fence marker and the saved files go: last, so a crash leaves it fenced
//   sync        a synchronous member named again in synchronous_standby_names
// Nothing is undone on abandon: a member left stopped and fenced is the safe state, and its
// old data is not worth restoring. Every check reads the servers, on every attempt (resume
// included); the one read handed along is pre-flight's: which member is the primary, and which
// members answered (rejoin/context.ts).
import { z } from 'zod'
import type { Step } from '../../operations'
import type { HostExec } from '../host-exec'
import { releaseAddressStep, writableHost } from './service-address'
import { knownDataDirs } from '../data-dir-guard'
import { Handoff } from '../handoff'
import { memberName, memberOf, pgCluster, refineMembers } from './model'
import { rejoinOp, type RejoinHandoffs } from './rejoin/context'
import { checkpointStep } from './rejoin/checkpoint'
import { preflightStep } from './rejoin/preflight'
import { rebuildStep } from './rejoin/rebuild'
import { rewindStep } from './rejoin/rewind'
import { startStep } from './rejoin/start'
import { stopStep } from './rejoin/stop'
import { streamingStep } from './rejoin/streaming'
import { syncAgainStep } from './rejoin/sync'
import { unfenceStep } from './rejoin/unfence'

export { parseDirState, type DirState } from './rejoin/context'
export { REWIND_FUNCTIONS, rewindGrantSql } from './rejoin/checkpoint'
export { explainRewindFailure } from './rejoin/rewind'

export const rejoinParams = z
  .object({
    cluster: pgCluster,
    member: memberName,
    /** The user confirmed that the member's data dir is replaced by a fresh copy. */
    rebuild: z.boolean().default(false),
    /** Limit for pg_rewind or pg_basebackup. */
    copyTimeoutMs: z.number().int().min(1000).default(12 * 3600_000),
    /** How long the started standby may take to stream (it may have WAL to replay first). */
    streamTimeoutMs: z.number().int().min(1000).default(300_000),
    knownDataDirs,
  })
  .superRefine((p, ctx) => {
    refineMembers(ctx, p.cluster, { member: p.member })
    if (p.cluster.members.length < 2) ctx.addIssue({ code: 'custom', message: 'A member rejoins another primary: the cluster must list at least two members', path: ['cluster', 'members'] })
  })
export type RejoinParams = z.output<typeof rejoinParams>

export function buildRejoin(hosts: HostExec, p: RejoinParams): Step<RejoinParams>[] {
  const op = rejoinOp(hosts, p)
  const h: RejoinHandoffs = { located: new Handoff('the primary, as pre-flight located it this attempt') }
  const copy = p.rebuild ? rebuildStep(op, h) : rewindStep(op, h)
  // It comes back as a standby: never with the service address (unless the primary shares its host).
  const address = releaseAddressStep<RejoinParams>(hosts, p.cluster, memberOf(p.cluster, p.member), () => writableHost(hosts, p.cluster, p.member))
  return [preflightStep(op, h), checkpointStep(op, h), stopStep(op, h), ...address, copy, startStep(op, h), streamingStep(op, h), unfenceStep(op), syncAgainStep(op)]
}
