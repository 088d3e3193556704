// The journaled params of removing a replica (JSON only), parsed again on resume.
import { z } from 'zod'
import { knownDataDir } from '../add-replica/params'
import { mariaCluster, mariaMember, refineMembers } from '../model'

export const removeReplicaParams = z
  .object({
    /** The cluster still including the member to remove. */
    cluster: mariaCluster,
    member: mariaMember.shape.name,
    /** The user confirmed that the member's datadir is deleted. */
    deleteData: z.boolean().default(false),
    knownDataDirs: z.array(knownDataDir).default([]),
  })
  .superRefine((p, ctx) => {
    refineMembers(ctx, p.cluster, { member: p.member })
    if (p.cluster.members.length < 2) ctx.addIssue({ code: 'custom', message: 'The cluster must keep its primary', path: ['cluster', 'members'] })
  })
export type RemoveReplicaParams = z.output<typeof removeReplicaParams>
export type RemoveReplicaInput = z.input<typeof removeReplicaParams>
