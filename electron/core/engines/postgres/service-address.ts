// The cluster's service address as the PostgreSQL operations use it: on the primary's host,
// on no other member's host. Taking it comes first (clients follow the new primary at once,
// announced with gratuitous ARP); taking it off the others runs in parallel, each bounded: a
// host that does not answer is named (it is fenced, and the fence watcher takes the address
// off it the moment it is seen again).
import { createServiceAddress, type HolderState, type ServiceAddress } from '../../address'
import type { Step } from '../../operations'
import type { Attempt } from '../handoff'
import type { HostExec } from '../host-exec'
import { PgNode } from './node'
import { isUp, readPosition, writable } from './roles'
import type { PgCluster, ServiceAddress as Recorded } from '../../../../shared/postgres'

export interface ClusterAddress {
  readonly address: string
  /** Who holds it now (unknown: did not answer); `among`: only these hosts (default every member host). */
  holders(among?: readonly string[]): Promise<HolderState[]>
  /** Whether exactly `host` holds it (and nobody answers that they hold it too). */
  onlyOn(host: string): Promise<boolean>
  /** On `host`, then off the other member hosts (or `from`); says what happened. */
  moveTo(host: string, from?: readonly string[]): Promise<string>
  /** Off `host` (a fenced or rejoining member); `strict`: a host not reached is an error, not a note. */
  releaseFrom(host: string, strict?: boolean): Promise<string>
}

const hostsOf = (c: PgCluster) => [...new Set(c.members.map((m) => m.host))]

/** `timeoutMs`: each change (and connect) at most this long; a fence gives it its own bound. */
export function clusterAddress(hosts: HostExec, c: PgCluster, recorded: Recorded | undefined = c.serviceAddress, timeoutMs?: number): ClusterAddress | undefined {
  if (!recorded) return undefined
  const addr: ServiceAddress = createServiceAddress(hosts, timeoutMs ? { changeTimeoutMs: timeoutMs, holdersTimeoutMs: timeoutMs } : {})
  const { address, prefix, interfaces } = recorded
  const iface = (host: string) => interfaces[host] ?? Object.values(interfaces)[0]!
  const release = async (host: string, strict = false) => {
    try {
      const r = await addr.release(host, iface(host), address)
      return r.removed.length ? `taken off ${host}` : undefined
    } catch (err) {
      if (strict) throw err
      return `${host} not reached (${(err as Error).message.split('\n')[0]}): it may still hold ${address} until it is seen again`
    }
  }
  return {
    address,
    holders: (among = hostsOf(c)) => addr.holders(among, address),
    async onlyOn(host) {
      const h = await addr.holders(hostsOf(c), address)
      return h.every((x) => (x.host === host ? x.state === 'holds' : x.state === 'free'))
    },
    async moveTo(host, from = hostsOf(c).filter((h) => h !== host)) {
      const taken = await addr.acquire(host, iface(host), address, prefix)
      const off = (await Promise.all(from.filter((h) => h !== host).map((h) => release(h)))).filter(Boolean)
      return `${address} on ${host}${taken.added ? ` (${taken.durationMs} ms, announced)` : ' already'}${off.length ? `; ${off.join('; ')}` : ''}`
    },
    async releaseFrom(host, strict = false) {
      return (await release(host, strict)) ?? `${address} was not on ${host}`
    },
  }
}

/**
 * Right after a promotion: the service address on the new primary's host (announced), then
 * off the old primary's host — make before break: while the old host still holds it,
 * clients get a refusal and retry at once; a host that drops the address early makes their
 * connection attempts hang. `old`: the old primary's host, with whether it answered this attempt
 * (a failover's fence says; a host that did not answer is skipped: the fence watcher takes the
 * address off when it is seen again). Only when the cluster has one. The check reads who holds it.
 */
export function moveAddressStep<P>(hosts: HostExec, c: PgCluster, to: { host: string; name: string }, old?: { host: string; answered: (ctx: Attempt) => boolean | undefined }): Step<P>[] {
  const a = clusterAddress(hosts, c)
  if (!a) return []
  const others = [...new Set(c.members.filter((m) => m.host !== to.host && m.host !== old?.host).map((m) => m.host))]
  return [
    {
      id: 'address',
      title: `Service address ${a.address} to ${to.name} on ${to.host}`,
      hosts: [to.host, ...others],
      plan: () => [],
      // Never waits on the old primary's host (a failover's may be dead): its fence took the address off.
      check: async () => (await a.holders([to.host, ...others])).every((h) => (h.host === to.host ? h.state === 'holds' : h.state !== 'holds')),
      async run(ctx, report) {
        const off = old && old.host !== to.host && old.answered(ctx) ? [old.host] : []
        report({ message: await a.moveTo(to.host, [...others, ...off]) })
      },
    },
  ]
}

/** Before a member comes back or is stopped as a standby: the service address off its host (unless the primary shares it). */
export function releaseAddressStep<P>(hosts: HostExec, c: PgCluster, member: { host: string; name: string }, primaryHost: () => Promise<string | null>): Step<P>[] {
  const a = clusterAddress(hosts, c)
  if (!a) return []
  return [
    {
      id: 'address',
      title: `Service address ${a.address} off ${member.name}'s host ${member.host}`,
      hosts: [member.host],
      plan: () => [],
      check: async () => (await primaryHost()) === member.host || !(await a.holders()).some((h) => h.host === member.host && h.state === 'holds'),
      async run(_ctx, report) {
        report({ message: await a.releaseFrom(member.host) })
      },
    },
  ]
}

/** The host of the one member that accepts writes now, other than `except` (null: none or several). */
export async function writableHost(hosts: HostExec, c: PgCluster, except: string): Promise<string | null> {
  const seen = await Promise.all(c.members.filter((m) => m.name !== except).map((m) => readPosition(new PgNode(hosts, m, c.major))))
  const w = seen.filter((s) => isUp(s) && writable(s.pos))
  return w.length === 1 ? w[0]!.member.host : null
}
