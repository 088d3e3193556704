// Automatic failover through Patroni + etcd (issue 19): the hand-over and hand-back operations,
// the switchover through Patroni's REST API, and the status read from it. The engine registers
// `patroniKinds(hosts)`.
import { defineOperationKind } from '../../../operations'
import type { HostExec } from '../../host-exec'
import { parseCluster, type PgClusterInput } from '../model'
import { buildHandback, handbackParams } from './handback'
import { buildHandover, handoverParams } from './handover'
import { readPatroniStatus } from './status'
import { handbackSummary, handoverSummary, patroniSwitchoverSummary } from './summary'
import { buildPatroniSwitchover, patroniSwitchoverParams, switchoverPair } from './switchover'

export const KIND_HANDOVER = 'pg-handover'
export const KIND_HANDBACK = 'pg-handback'
export const KIND_PATRONI_SWITCHOVER = 'pg-patroni-switchover'

export function patroniKinds(hosts: HostExec) {
  const handover = defineOperationKind({
    kind: KIND_HANDOVER,
    params: handoverParams,
    build: ({ params }) => ({ title: `Automatic failover on for ${params.cluster.id}: hand over to Patroni + etcd`, steps: buildHandover(hosts, params), summary: () => handoverSummary(params) }),
  })
  const handback = defineOperationKind({
    kind: KIND_HANDBACK,
    params: handbackParams,
    build: ({ params }) => ({ title: `Automatic failover off for ${params.cluster.id}: take it back from Patroni`, steps: buildHandback(hosts, params), summary: () => handbackSummary(params) }),
  })
  const switchover = defineOperationKind({
    kind: KIND_PATRONI_SWITCHOVER,
    params: patroniSwitchoverParams,
    build: ({ params }) => ({ title: `Switchover of ${params.cluster.id} through Patroni: ${params.from} → ${params.to}`, steps: buildPatroniSwitchover(hosts, params), summary: () => patroniSwitchoverSummary(params) }),
  })
  const lease = (cluster: PgClusterInput) => [...new Set(cluster.members.map((m) => m.host))]
  return {
    handover,
    /** For createOperations' `kinds`. */
    kinds: { [handover.kind]: handover.factory, [handback.kind]: handback.factory, [switchover.kind]: switchover.factory },
    /** The hand-over of a cluster (plan it with planOperation for a dry run). */
    handoverOf: (cluster: PgClusterInput, joinTimeoutS?: number) =>
      handover.create({ clusterId: cluster.id, params: { cluster, ...(joinTimeoutS !== undefined && { joinTimeoutS }) }, members: lease(cluster) }),
    /** The hand-back (automatic failover off). */
    handbackOf: (cluster: PgClusterInput) => handback.create({ clusterId: cluster.id, params: { cluster }, members: lease(cluster) }),
    /** A switchover through Patroni, from its leader now to `to` (else the candidate Patroni would take). */
    async switchoverOf(cluster: PgClusterInput, to?: string) {
      const pair = switchoverPair(parseCluster(cluster), await readPatroniStatus(hosts, parseCluster(cluster)), to)
      return switchover.create({ clusterId: cluster.id, params: { cluster, ...pair }, members: lease(cluster) })
    },
  }
}

export { readPatroniStatus, type PatroniStatus, type PatroniMember, type EtcdHealth } from './status'
export { automaticOf, meaningChanges, patroniUnit, patroniConfigFile, ETCD_UNIT } from './config'
export { INSTALL_COMMAND, type HandoverParams } from './handover'
export type { HandbackParams } from './handback'
export type { PatroniSwitchoverParams } from './switchover'
