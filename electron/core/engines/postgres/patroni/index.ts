// Automatic failover through Patroni + etcd (issue 19): the hand-over and hand-back operations,
// the switchover, failover and settings through Patroni's REST API, and the status read from it. The engine registers
// `patroniKinds(hosts)`.
import { defineOperationKind } from '../../../operations'
import type { HostExec } from '../../host-exec'
import { parseCluster, type PgClusterInput } from '../model'
import { buildHandback, handbackParams } from './handback'
import { buildHandover, handoverParams } from './handover'
import { readPatroniStatus } from './status'
import { handbackSummary, handoverSummary, patroniFailoverSummary, patroniSwitchoverSummary } from './summary'
import { buildPatroniSettings, patroniSettingsParams, readNoSyncTags } from './settings'
import { configPatch, patchSummary, type SettingsRequest } from './settings-patch'
import { buildPatroniFailover, failoverTarget, patroniFailoverParams } from './failover'
import { buildPatroniSwitchover, patroniSwitchoverParams, switchoverPair } from './switchover'

export const KIND_HANDOVER = 'pg-handover'
export const KIND_HANDBACK = 'pg-handback'
export const KIND_PATRONI_SWITCHOVER = 'pg-patroni-switchover'
export const KIND_PATRONI_FAILOVER = 'pg-patroni-failover'
export const KIND_PATRONI_SETTINGS = 'pg-patroni-settings'

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
  const failover = defineOperationKind({
    kind: KIND_PATRONI_FAILOVER,
    params: patroniFailoverParams,
    build: ({ params }) => ({ title: `Failover of ${params.cluster.id} through Patroni to ${params.to}`, steps: buildPatroniFailover(hosts, params), summary: () => patroniFailoverSummary(params) }),
  })
  const settings = defineOperationKind({
    kind: KIND_PATRONI_SETTINGS,
    params: patroniSettingsParams,
    build: ({ params }) => ({ title: `Settings of ${params.cluster.id} through Patroni (PATCH /config)`, steps: buildPatroniSettings(hosts, params), summary: () => patchSummary(params.cluster, params.body) }),
  })
  const lease = (cluster: PgClusterInput) => [...new Set(cluster.members.map((m) => m.host))]
  return {
    handover,
    /** For createOperations' `kinds`. */
    kinds: { [handover.kind]: handover.factory, [handback.kind]: handback.factory, [switchover.kind]: switchover.factory, [failover.kind]: failover.factory, [settings.kind]: settings.factory },
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
    /** A failover through Patroni to `to` (else the candidate Patroni would take). */
    async failoverOf(cluster: PgClusterInput, to?: string) {
      const target = failoverTarget(parseCluster(cluster), await readPatroniStatus(hosts, parseCluster(cluster)), to)
      return failover.create({ clusterId: cluster.id, params: { cluster, ...target }, members: lease(cluster) })
    },
    /** Settings through Patroni's dynamic configuration: `next` is the record with them; refused when Patroni cannot express them. */
    async settingsOf(cluster: PgClusterInput, next: PgClusterInput, request: SettingsRequest) {
      const [c, n] = [parseCluster(cluster), parseCluster(next)]
      const body = configPatch(c, n, request, await readNoSyncTags(hosts, c))
      const s = await readPatroniStatus(hosts, c)
      return settings.create({ clusterId: cluster.id, params: { cluster: next, previous: cluster, via: s.leader ?? s.members.find((m) => m.state === 'running')?.name ?? c.members[0]!.name, body }, members: lease(cluster) })
    },
  }
}

export { readPatroniStatus, type PatroniStatus, type PatroniMember, type EtcdHealth } from './status'
export { automaticOf, meaningChanges, patroniUnit, patroniConfigFile, ETCD_UNIT } from './config'
export { INSTALL_COMMAND, type HandoverParams } from './handover'
export type { HandbackParams } from './handback'
export type { PatroniSwitchoverParams } from './switchover'
export type { PatroniFailoverParams } from './failover'
export type { PatroniSettingsParams } from './settings'
export type { SettingsRequest as PatroniSettingsRequest } from './settings-patch'
