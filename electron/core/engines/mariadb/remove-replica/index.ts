// Removing a replica from a MariaDB cluster, as journaled steps (one file each here):
//   preflight         the member is not the primary, read on the servers (with deleteData:
//                     the data-dir guard asked now)
//   stop-replication  STOP SLAVE; RESET SLAVE ALL on it
//   stop              its server stops (Debian: its unit disabled)
//   access            its replication account on the primary, the password file and option
//                     file on its host, its datadir's claim, removed
//   delete-data       (only when confirmed) its datadir, behind the guard on the server
import type { Step } from '../../../operations'
import type { HostExec } from '../../host-exec'
import { accessStep } from './access'
import { removeReplicaOp } from './context'
import { deleteDataStep } from './delete-data'
import type { RemoveReplicaParams } from './params'
import { preflightStep } from './preflight'
import { stopReplicationStep, stopStep } from './stop'

export { removeReplicaParams, type RemoveReplicaInput, type RemoveReplicaParams } from './params'
export { removeReplicaSummary } from './summary'

export function buildRemoveReplica(hosts: HostExec, p: RemoveReplicaParams): Step<RemoveReplicaParams>[] {
  const op = removeReplicaOp(hosts, p)
  return [preflightStep(op), stopReplicationStep(op), stopStep(op), accessStep(op), ...(p.deleteData ? [deleteDataStep(op)] : [])]
}
