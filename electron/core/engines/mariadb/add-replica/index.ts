// Adding a replica to a running MariaDB cluster, as journaled steps (one file each here):
//   preflight       the new member's host (tools and version, disk for the copy, port free,
//                   datadir empty or absent behind the guard, the primary reachable from it) and
//                   the primary (found on the servers: binary log, ROW, mariadb-backup, the
//                   replication password there; server_id unique)
//   prepare         the datadir claimed and made; the replication account for the new address
//                   and the status login on the primary; the password's option file on the host
//   copy            mariadb-backup --backup --stream=xbstream on the primary, relayed through
//                   ReplicaDesk's SSH connections into mbstream -x on the replica (../copy.ts),
//                   with byte progress
//   prepare-backup  mariadb-backup --prepare on the copy
//   start           its option file (read_only = ON), then the server started
//   replicate       gtid_slave_pos from the position the backup recorded, CHANGE MASTER …
//                   MASTER_USE_GTID=slave_pos with the password read on the host, START SLAVE
//   caught-up       both threads run and it executed the primary's position of that moment
// The primary is located on the servers in every step that needs it. Every undo touches only
// what this operation claimed (claims.ts); every step that empties or fills a datadir runs the
// data-dir guard on the server right before (data-dir-guard.ts), as pre-flight did.
import type { Step } from '../../../operations'
import type { HostExec, HostPipe } from '../../host-exec'
import { caughtUpStep } from './caught-up'
import { addReplicaOp } from './context'
import { copyStep } from './copy-step'
import type { AddReplicaParams } from './params'
import { preflightStep } from './preflight'
import { prepareBackupStep } from './prepare-backup'
import { prepareStep } from './prepare'
import { replicateStep } from './replicate'
import { startStep } from './start'

export { addReplicaParams, type AddReplicaInput, type AddReplicaParams } from './params'
export { addReplicaSentences, addReplicaSummary } from './summary'

export function buildAddReplica(hosts: HostExec & HostPipe, p: AddReplicaParams): Step<AddReplicaParams>[] {
  const op = addReplicaOp(hosts, p)
  return [preflightStep(op), prepareStep(op), copyStep(op), prepareBackupStep(op), startStep(op), replicateStep(op), caughtUpStep(op)]
}
