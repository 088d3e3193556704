// The journaled params of adding a replica (JSON only, never a secret), parsed again on resume.
import { z } from 'zod'
import { mariaCluster, mariaMember } from '../model'
import { refineMembers } from '../model'
import { knownDataDirs } from '../../data-dir-guard'

export const addReplicaParams = z
  .object({
    /** The cluster including the new member. */
    cluster: mariaCluster,
    member: mariaMember.shape.name,
    /** With overwriteUnrelated: the user confirmed twice that a non-empty datadir may be emptied. */
    overwrite: z.boolean().default(false),
    overwriteUnrelated: z.boolean().default(false),
    knownDataDirs,
    /** Free disk asked for beyond the copy (default 10 %, at least 64 MB). */
    diskMarginBytes: z.number().int().min(0).optional(),
    copyTimeoutMs: z.number().int().min(1000).default(12 * 3600_000),
    /** The copy fails when no byte moved for this long. */
    idleTimeoutMs: z.number().int().min(1000).default(300_000),
    /** How long the new replica may take to catch up with the primary. */
    catchUpTimeoutMs: z.number().int().min(1000).default(300_000),
  })
  .superRefine((p, ctx) => {
    refineMembers(ctx, p.cluster, { member: p.member })
    if (p.cluster.members.length < 2) ctx.addIssue({ code: 'custom', message: 'A replica needs a primary: the cluster must list at least two members', path: ['cluster', 'members'] })
  })
export type AddReplicaParams = z.output<typeof addReplicaParams>
export type AddReplicaInput = z.input<typeof addReplicaParams>

/** What the guard lets go in a non-empty datadir: anything only when the user confirmed twice. */
export const allowOf = (p: Pick<AddReplicaParams, 'overwrite' | 'overwriteUnrelated'>) => (p.overwrite && p.overwriteUnrelated ? 'any' : 'none')
