// Removing a standby, as journaled steps (one file each in remove-replica/):
//   preflight  locate the primary; refuse to remove it
//   sync       synchronous_standby_names without the member, first, so that no write waits
//              for a standby that is going away
//   stop       the member
//   slots      its slot dropped on every other member
//   access     its addresses out of the pg_hba blocks, its pgpass lines out, everywhere
//   delete     (only when confirmed) its data dir (Debian: pg_dropcluster)
// Every check reads the servers; the primary located earlier in the attempt is handed along
// (remove-replica/context.ts).
import { z } from 'zod'
import type { Step } from '../../operations'
import type { HostExec } from '../host-exec'
import { keepsPrimary, removeReplicaFields } from '../operation-params'
import { Handoff } from '../handoff'
import { memberName, pgCluster, refineMembers } from './model'
import { accessStep } from './remove-replica/access'
import { removeReplicaOp, type Located } from './remove-replica/context'
import { deleteDataStep } from './remove-replica/delete-data'
import { preflightStep } from './remove-replica/preflight'
import { slotsStep } from './remove-replica/slots'
import { stopStep } from './remove-replica/stop'
import { syncStep } from './remove-replica/sync'

export { DELETE } from './remove-replica/delete-data'

export const removeReplicaParams = z
  .object({
    cluster: pgCluster,
    member: memberName,
    ...removeReplicaFields,
  })
  .superRefine((p, ctx) => {
    refineMembers(ctx, p.cluster, { member: p.member })
    keepsPrimary(ctx, p.cluster.members)
  })
export type RemoveReplicaParams = z.output<typeof removeReplicaParams>

export function buildRemoveReplica(hosts: HostExec, p: RemoveReplicaParams): Step<RemoveReplicaParams>[] {
  const op = removeReplicaOp(hosts, p)
  const located = new Handoff<Located>("the primary and the members' facts, as located this attempt")
  return [preflightStep(op, located), syncStep(op, located), stopStep(op), slotsStep(op), accessStep(op, located), ...(p.deleteData ? [deleteDataStep(op)] : [])]
}
