// Creating a cluster, as journaled steps (one file each in create-cluster/). Two ways in:
//   init:  preflight → init (initdb / pg_createcluster with data checksums, settings, pg_hba
//          block) → start → access
//   adopt: preflight (the running primary) → settings (ALTER SYSTEM where too low) →
//          restart (only when a changed setting needs it) → access
// access: the replication role with a password ReplicaDesk generates (SCRAM verifier sent,
// password itself only in postgres' ~/.pgpass, over stdin), monitoring roles for admin logins
// (pg_monitor, peer over the Unix socket), the pg_hba block, then a real replication login.
// Every check reads the servers; pre-flight hands its probe of the host along
// (create-cluster/context.ts).
import { z } from 'zod'
import type { Step } from '../../operations'
import type { HostExec } from '../host-exec'
import { createClusterFields } from '../operation-params'
import { Handoff } from '../handoff'
import { memberName, pgCluster, refineMembers } from './model'
import { accessStep } from './create-cluster/access'
import { createClusterOp, type Preflighted } from './create-cluster/context'
import { initStep } from './create-cluster/init'
import { preflightStep } from './create-cluster/preflight'
import { restartStep } from './create-cluster/restart'
import { settingsStep } from './create-cluster/settings'
import { startStep } from './create-cluster/start'

export { clusterSettings, settingsToRaise, sizeBytes } from './create-cluster/settings'

export const createClusterParams = z
  .object({
    cluster: pgCluster,
    primary: memberName,
    ...createClusterFields,
    /** initdb --locale (init). */
    locale: z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/).default('C.UTF-8'),
  })
  .superRefine((p, ctx) => refineMembers(ctx, p.cluster, { primary: p.primary }))
export type CreateClusterParams = z.output<typeof createClusterParams>

export function buildCreateCluster(hosts: HostExec, p: CreateClusterParams): Step<CreateClusterParams>[] {
  const op = createClusterOp(hosts, p)
  const preflighted = new Handoff<Preflighted>("pre-flight's probe of the primary's host, this attempt")
  const preflight = preflightStep(op, preflighted)
  return p.mode === 'init' ? [preflight, initStep(op, preflighted), startStep(op), accessStep(op)] : [preflight, settingsStep(op, preflighted), restartStep(op), accessStep(op)]
}
