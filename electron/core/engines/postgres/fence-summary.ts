// The plain sentences a fence plan opens with (pure).
import type { FenceParams } from './fence-member'
import { memberOf } from './model'

export function fenceSummary(p: FenceParams): string[] {
  const m = memberOf(p.cluster, p.member)
  return [
    `${m.name} on ${m.host} is stopped and fenced: it never starts as a primary again until it rejoins (standby.signal and a fence marker${m.layout === 'debian' ? ', start.conf disabled' : ''})${p.cluster.serviceAddress ? `, and it gives up the service address ${p.cluster.serviceAddress.address}` : ''}.`,
    `If ${m.name} accepts writes now, they stop there: clients still connected to it get errors and must use the other primary.`,
    `Nothing is copied or deleted. Writes only ${m.name} has (a split brain) are thrown away when it rejoins.`,
  ]
}
