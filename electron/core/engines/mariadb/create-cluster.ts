// Creating a cluster, as journaled steps (one file each in create-cluster/). Two ways in:
//   init:  preflight (tools, an empty datadir behind the guard, port, socket, server_id) →
//          init (claim, mariadb-install-db as mysql, ReplicaDesk's option file) →
//          start (Debian: the unit, enabled; plain: mariadbd detached as mysql) → access
//   adopt: preflight (the running server is the member described, not a replica) →
//          settings (option file, SET GLOBAL) → restart (only for a restart-only setting) → access
// access: the replication user (hash sent, password only in mysql's 0600 option file on each
// member, over stdin) and the status login (unix_socket), both tried for real.
// Every check reads the servers; a resume re-checks every step.
import { z } from 'zod'
import type { Step } from '../../operations'
import type { HostExec } from '../host-exec'
import { createClusterFields } from '../operation-params'
import { mariaCluster, mariaMember, refineMembers } from './model'
import { accessStep } from './create-cluster/access'
import { createClusterOp } from './create-cluster/context'
import { initStep } from './create-cluster/init'
import { preflightStep } from './create-cluster/preflight'
import { restartStep } from './create-cluster/restart'
import { settingsStep } from './create-cluster/settings'
import { startStep } from './create-cluster/start'

export const createClusterParams = z
  .object({
    cluster: mariaCluster,
    primary: mariaMember.shape.name,
    ...createClusterFields,
  })
  .superRefine((p, ctx) => refineMembers(ctx, p.cluster, { primary: p.primary }))
export type CreateClusterParams = z.output<typeof createClusterParams>

export function buildCreateCluster(hosts: HostExec, p: CreateClusterParams): Step<CreateClusterParams>[] {
  const op = createClusterOp(hosts, p)
  const preflight = preflightStep(op)
  return p.mode === 'init' ? [preflight, initStep(op), startStep(op), accessStep(op)] : [preflight, settingsStep(op), restartStep(op), accessStep(op)]
}
