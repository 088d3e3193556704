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
import { buildPatroniSettings, patroniSettingsParams, readNoSyncTags, readTimings } from './settings'
import { configPatch, patchSummary, type SettingsRequest } from './settings-patch'
import { buildPatroniFailover, failoverTarget, patroniFailoverParams } from './failover'
import { buildPatroniSwitchover, patroniSwitchoverParams, switchoverPair } from './switchover'
import { patroniAssessment } from './assessment'
import { adoptSummary, buildPatroniAdopt, discoverPatroni, patroniAdoptParams } from './adopt'
import type { AdoptHost } from './adopt-parse'
import { buildPatroniReinitialize, patroniReinitializeParams, refuseLeader, reinitializeSummary } from './reinitialize'
import { memberNodes } from '../node'
import { copySize } from '../plan-words'

export const KIND_HANDOVER = 'pg-handover'
export const KIND_HANDBACK = 'pg-handback'
export const KIND_PATRONI_SWITCHOVER = 'pg-patroni-switchover'
export const KIND_PATRONI_FAILOVER = 'pg-patroni-failover'
export const KIND_PATRONI_SETTINGS = 'pg-patroni-settings'
export const KIND_PATRONI_ADOPT = 'pg-patroni-adopt'
export const KIND_PATRONI_REINITIALIZE = 'pg-patroni-reinitialize'

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
    build: ({ params }) => ({ title: `Settings of ${params.cluster.id} through Patroni (PATCH /config)`, steps: buildPatroniSettings(hosts, params), summary: () => patchSummary(params.cluster, params.body, params.previous, params.timings) }),
  })
  const adopt = defineOperationKind({
    kind: KIND_PATRONI_ADOPT,
    params: patroniAdoptParams,
    build: ({ params }) => ({ title: `Adopt Patroni cluster ${params.cluster.automatic?.scope ?? ''} as ${params.cluster.id} (through ${params.via})`, steps: buildPatroniAdopt(hosts, params), summary: () => adoptSummary(params) }),
  })
  const reinitialize = defineOperationKind({
    kind: KIND_PATRONI_REINITIALIZE,
    params: patroniReinitializeParams,
    build: ({ params }) => ({
      member: params.member,
      title: `Rebuild ${params.member} of ${params.cluster.id} through Patroni (POST /reinitialize)`,
      steps: buildPatroniReinitialize(hosts, params),
      summary: async () => reinitializeSummary(params, await copySize(memberNodes(hosts, params.cluster, params.member).others)),
    }),
  })
  const lease = (cluster: PgClusterInput) => [...new Set(cluster.members.map((m) => m.host))]
  return {
    handover,
    /** For createOperations' `kinds`. */
    kinds: { [handover.kind]: handover.factory, [handback.kind]: handback.factory, [switchover.kind]: switchover.factory, [failover.kind]: failover.factory, [settings.kind]: settings.factory, [adopt.kind]: adopt.factory, [reinitialize.kind]: reinitialize.factory },
    /** The hand-over of a cluster (plan it with planOperation for a dry run). */
    handoverOf: (cluster: PgClusterInput, joinTimeoutS?: number) =>
      handover.create({ clusterId: cluster.id, params: { cluster, ...(joinTimeoutS !== undefined && { joinTimeoutS }) }, members: lease(cluster) }),
    /** The hand-back (automatic failover off). */
    handbackOf: (cluster: PgClusterInput, keepEtcd = false) => handback.create({ clusterId: cluster.id, params: { cluster, keepEtcd }, members: lease(cluster) }),
    /** A switchover through Patroni, from its leader now to `to` (else the candidate Patroni would take). */
    async switchoverOf(cluster: PgClusterInput, to?: string) {
      const [c, s] = [parseCluster(cluster), await readPatroniStatus(hosts, parseCluster(cluster))]
      const pair = switchoverPair(c, s, to)
      return switchover.create({ clusterId: cluster.id, params: { cluster, ...pair, assessment: patroniAssessment(c, s, 'switchover', pair, to !== undefined) }, members: lease(cluster) })
    },
    /** A failover through Patroni to `to` (else the candidate Patroni would take). */
    async failoverOf(cluster: PgClusterInput, to?: string) {
      const [c, s] = [parseCluster(cluster), await readPatroniStatus(hosts, parseCluster(cluster))]
      const target = failoverTarget(c, s, to)
      return failover.create({ clusterId: cluster.id, params: { cluster, ...target, assessment: patroniAssessment(c, s, 'failover', target, to !== undefined) }, members: lease(cluster) })
    },
    /** Adopt a running Patroni cluster found through host record `via`, recorded as `id` (nothing changes on the servers). */
    async adoptOf(o: { id: string; via: AdoptHost; restApiPort: number; records: readonly AdoptHost[] }) {
      const found = await discoverPatroni(hosts, o)
      return adopt.create({ clusterId: o.id, params: { cluster: found.cluster, via: o.via.name, leader: found.leader, notes: found.notes }, members: lease(found.cluster) })
    },
    /** Rebuild of a member through Patroni (POST /reinitialize); refused for its leader. */
    async reinitializeOf(cluster: PgClusterInput, member: string) {
      const c = parseCluster(cluster)
      refuseLeader(c, await readPatroniStatus(hosts, c), member)
      return reinitialize.create({ clusterId: cluster.id, params: { cluster, member }, members: lease(cluster) })
    },
    /** Settings through Patroni's dynamic configuration: `next` is the record with them; refused when Patroni cannot express them. */
    async settingsOf(cluster: PgClusterInput, next: PgClusterInput, request: SettingsRequest) {
      const [c, n] = [parseCluster(cluster), parseCluster(next)]
      const s = await readPatroniStatus(hosts, c)
      const via = s.leader ?? s.members.find((m) => m.state === 'running')?.name ?? c.members[0]!.name
      const timings = await readTimings(hosts, c, via)
      const body = configPatch(c, n, request, await readNoSyncTags(hosts, c), timings)
      return settings.create({ clusterId: cluster.id, params: { cluster: next, previous: cluster, via, body, timings }, members: lease(cluster) })
    },
  }
}

export { readPatroniStatus, type PatroniStatus, type PatroniMember, type EtcdHealth } from './status'
export { patroniStatusSource } from './automatic-status'
export { automaticOf, meaningChanges, patroniUnit, patroniConfigFile, ETCD_UNIT } from './config'
export { INSTALL_COMMAND, type HandoverParams } from './handover'
export type { HandbackParams } from './handback'
export type { PatroniSwitchoverParams } from './switchover'
export type { PatroniFailoverParams } from './failover'
export type { PatroniSettingsParams } from './settings'
export type { SettingsRequest as PatroniSettingsRequest } from './settings-patch'
export type { PatroniAdoptParams } from './adopt'
export type { AdoptHost } from './adopt-parse'
export type { PatroniReinitializeParams } from './reinitialize'
