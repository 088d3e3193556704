// Adding a standby to a running cluster, as journaled steps (one file each in add-replica/):
//   preflight    the new member's host (version, data dir, disk, port, reach) and the primary
//   prepare      replication access on every member (pg_hba block, ~/.pgpass), the data dir
//                claimed and created (Debian: pg_createcluster), slots for the new member on
//                the other standbys, their synchronous_standby_names
//   base-backup  pg_basebackup -X stream -C -S rd_<member>, with byte progress
//   start        standby.signal + its own settings (primary_conninfo with application_name,
//                slot, listen_addresses, port), then pg_ctl / pg_ctlcluster start
//   streaming    wait until the primary's pg_stat_replication shows it streaming; its own
//                slots for the other members (without reserving WAL)
//   sync         synchronous_standby_names on the primary, only once the standbys stream
// The primary is located on every run from the servers. Every check reads the servers; what a
// step hands to a later one of the same attempt is named in add-replica/context.ts. Every undo
// only touches what the operation claimed.
import { z } from 'zod'
import type { Step } from '../../operations'
import type { HostExec } from '../host-exec'
import { knownDataDirs } from '../data-dir-guard'
import { Handoff } from '../handoff'
import { memberName, pgCluster, refineMembers } from './model'
import { addReplicaOp, type AddReplicaHandoffs } from './add-replica/context'
import { baseBackupStep } from './add-replica/base-backup'
import { preflightStep } from './add-replica/preflight'
import { prepareStep } from './add-replica/prepare'
import { startStep } from './add-replica/start'
import { streamingStep } from './add-replica/streaming'
import { syncStep } from './add-replica/sync'

export const addReplicaParams = z
  .object({
    cluster: pgCluster,
    member: memberName,
    overwrite: z.boolean().default(false),
    /** The user confirmed a second time that a non-empty data dir that is NOT a copy of this cluster may be emptied. */
    overwriteUnrelated: z.boolean().default(false),
    knownDataDirs,
    /** Free disk asked for beyond the copy (default 10 %, at least 64 MB). */
    diskMarginBytes: z.number().int().min(0).optional(),
    backupTimeoutMs: z.number().int().min(1000).default(12 * 3600_000),
    streamTimeoutMs: z.number().int().min(1000).default(120_000),
  })
  .superRefine((p, ctx) => {
    refineMembers(ctx, p.cluster, { member: p.member })
    if (p.cluster.members.length < 2) ctx.addIssue({ code: 'custom', message: 'A replica needs a primary: the cluster must list at least two members', path: ['cluster', 'members'] })
  })
export type AddReplicaParams = z.output<typeof addReplicaParams>

export function buildAddReplica(hosts: HostExec, p: AddReplicaParams): Step<AddReplicaParams>[] {
  const op = addReplicaOp(hosts, p)
  const h: AddReplicaHandoffs = {
    located: new Handoff("the primary and the members' facts, as located this attempt"),
    preflighted: new Handoff("what pre-flight found on the new member's host"),
    files: new Handoff("the members' files as pre-flight read them"),
  }
  return [preflightStep(op, h), prepareStep(op, h), baseBackupStep(op, h), startStep(op, h), streamingStep(op, h), syncStep(op, h)]
}
