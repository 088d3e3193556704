// The journaled params of a rejoin (JSON only, never a secret), parsed again on resume.
import { z } from 'zod'
import type { AddReplicaParams } from '../add-replica/params'
import { knownDataDirs } from '../../data-dir-guard'
import { mariaCluster, mariaMember, refineMembers } from '../model'

export const rejoinParams = z
  .object({
    cluster: mariaCluster,
    member: mariaMember.shape.name,
    /** The user confirmed twice: the member's datadir is emptied and copied again from the primary. */
    rebuild: z.boolean().default(false),
    knownDataDirs,
    copyTimeoutMs: z.number().int().min(1000).default(12 * 3600_000),
    idleTimeoutMs: z.number().int().min(1000).default(300_000),
    /** How long the member may take to catch up with the primary once it follows. */
    catchUpTimeoutMs: z.number().int().min(1000).default(300_000),
  })
  .superRefine((p, ctx) => {
    refineMembers(ctx, p.cluster, { member: p.member })
    if (p.cluster.members.length < 2) ctx.addIssue({ code: 'custom', message: 'A rejoin needs a primary: the cluster must list at least two members', path: ['cluster', 'members'] })
  })
export type RejoinParams = z.output<typeof rejoinParams>
export type RejoinInput = z.input<typeof rejoinParams>

/** The add-replica params a rebuild (or the shared catch-up) runs its steps with: whatever is in the datadir may go only when the user confirmed the rebuild. */
export const addParamsOf = (p: RejoinParams): AddReplicaParams => ({
  cluster: p.cluster,
  member: p.member,
  overwrite: p.rebuild,
  overwriteUnrelated: p.rebuild,
  knownDataDirs: p.knownDataDirs,
  copyTimeoutMs: p.copyTimeoutMs,
  idleTimeoutMs: p.idleTimeoutMs,
  catchUpTimeoutMs: p.catchUpTimeoutMs,
})
