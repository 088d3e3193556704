// The cluster's service address as the PostgreSQL operations use it: on the primary's host,
// on no other member's host. Taking it comes first (clients follow the new primary at once,
// announced with gratuitous ARP); taking it off the others runs in parallel, each bounded: a
// host that does not answer is named (it is fenced, and the fence watcher takes the address
// off it the moment it is seen again).
import { createServiceAddress, type HolderState, type ServiceAddress } from '../../address'
import type { HostExec } from '../host-exec'
import type { PgCluster, ServiceAddress as Recorded } from '../../../../shared/postgres'

export interface ClusterAddress {
  readonly address: string
  /** Who holds it now (unknown: did not answer). */
  holders(): Promise<HolderState[]>
  /** Whether exactly `host` holds it (and nobody answers that they hold it too). */
  onlyOn(host: string): Promise<boolean>
  /** On `host`, then off every other member host; says what happened. */
  moveTo(host: string): Promise<string>
  /** Off `host` (a fenced or rejoining member). */
  releaseFrom(host: string): Promise<string>
}

const hostsOf = (c: PgCluster) => [...new Set(c.members.map((m) => m.host))]

export function clusterAddress(hosts: HostExec, c: PgCluster, recorded: Recorded | undefined = c.serviceAddress, addr: ServiceAddress = createServiceAddress(hosts)): ClusterAddress | undefined {
  if (!recorded) return undefined
  const { address, prefix, interfaces } = recorded
  const iface = (host: string) => interfaces[host] ?? Object.values(interfaces)[0]!
  const release = async (host: string) => {
    try {
      const r = await addr.release(host, iface(host), address)
      return r.removed.length ? `taken off ${host}` : undefined
    } catch (err) {
      return `${host} not reached (${(err as Error).message.split('\n')[0]}): it may still hold ${address} until it is seen again`
    }
  }
  return {
    address,
    holders: () => addr.holders(hostsOf(c), address),
    async onlyOn(host) {
      const h = await addr.holders(hostsOf(c), address)
      return h.every((x) => (x.host === host ? x.state === 'holds' : x.state === 'free'))
    },
    async moveTo(host) {
      const taken = await addr.acquire(host, iface(host), address, prefix)
      const off = (await Promise.all(hostsOf(c).filter((h) => h !== host).map(release))).filter(Boolean)
      return `${address} on ${host}${taken.added ? ` (${taken.durationMs} ms, announced)` : ' already'}${off.length ? `; ${off.join('; ')}` : ''}`
    },
    async releaseFrom(host) {
      return (await release(host)) ?? `${address} was not on ${host}`
    },
  }
}
