// Automatic failover through Patroni + etcd (issue 19), first slice: the hand-over operation
// and the status read from Patroni's REST API. The engine registers `patroniKinds(hosts)`.
import { defineOperationKind } from '../../../operations'
import type { HostExec } from '../../host-exec'
import type { PgClusterInput } from '../model'
import { buildHandover, handoverParams } from './handover'

export const KIND_HANDOVER = 'pg-handover'

export function patroniKinds(hosts: HostExec) {
  const handover = defineOperationKind({
    kind: KIND_HANDOVER,
    params: handoverParams,
    build: ({ params }) => ({ title: `Automatic failover on for ${params.cluster.id}: hand over to Patroni + etcd`, steps: buildHandover(hosts, params) }),
  })
  return {
    handover,
    /** For createOperations' `kinds`. */
    kinds: { [handover.kind]: handover.factory },
    /** The hand-over of a cluster (plan it with planOperation for a dry run). */
    handoverOf: (cluster: PgClusterInput, joinTimeoutS?: number) =>
      handover.create({ clusterId: cluster.id, params: { cluster, ...(joinTimeoutS !== undefined && { joinTimeoutS }) }, members: [...new Set(cluster.members.map((m) => m.host))] }),
  }
}

export { readPatroniStatus, type PatroniStatus, type PatroniMember, type EtcdHealth } from './status'
export { automaticOf, meaningChanges, patroniUnit, patroniConfigFile, ETCD_UNIT } from './config'
export { INSTALL_COMMAND, type HandoverParams } from './handover'
