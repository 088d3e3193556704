// Every host record as the place of a new member of a cluster, for the host picker: the
// members already there, the free ones in placement.ts's order (a failure domain no member
// uses first), and the new member's name, data dir and port in the cluster's own pattern
// (replica-defaults.ts), so the UI shows the core's answer instead of recomputing it.
import type { Host } from '../../../shared/hosts'
import type { PgCluster } from '../../../shared/postgres'
import type { HostCandidate } from '../../../shared/prepare'
import { proposeReplicas } from './placement'
import { newMemberLike } from './replica-defaults'

export function hostCandidates(cluster: PgCluster, all: readonly PgCluster[], hosts: readonly Host[]): HostCandidate[] {
  const domains = new Map(hosts.map((h) => [h.name, h.failureDomain]))
  const proposals = proposeReplicas(cluster, domains, hosts.length)
  // The next free name (pg1, pg2 → pg3), whichever host is picked.
  const name = proposals[0]?.name
  const template = cluster.members[0]
  return hosts.map((h) => {
    const members = cluster.members.filter((m) => m.host === h.name).map((m) => m.name)
    const rank = proposals.findIndex((p) => p.host === h.name)
    const there = all.flatMap((c) => c.members.filter((m) => m.host === h.name))
    const like = name && template && !members.length ? newMemberLike(template, name, { name: h.name, address: h.address, access: h.user === 'postgres' ? 'postgres' : 'sudo' }, { ports: there.map((m) => m.port), dataDirs: there.map((m) => m.dataDir) }, false) : undefined
    return {
      host: h.name,
      members,
      rank: rank < 0 ? null : rank,
      why: members.length ? `runs ${members.join(', ')} of ${cluster.id}` : (proposals[rank]?.why ?? ''),
      ...(like && { name, dataDir: like.dataDir, port: like.port }),
    }
  })
}
