// The journaled params of removing a replica (JSON only), parsed again on resume.
import { z } from 'zod'
import { keepsPrimary, removeReplicaFields } from '../../operation-params'
import { mariaCluster, mariaMember, refineMembers } from '../model'

export const removeReplicaParams = z
  .object({
    /** The cluster still including the member to remove. */
    cluster: mariaCluster,
    member: mariaMember.shape.name,
    ...removeReplicaFields,
  })
  .superRefine((p, ctx) => {
    refineMembers(ctx, p.cluster, { member: p.member })
    keepsPrimary(ctx, p.cluster.members)
  })
export type RemoveReplicaParams = z.output<typeof removeReplicaParams>
export type RemoveReplicaInput = z.input<typeof removeReplicaParams>
