// Where a new replica should go, and which replica to remove first. Pure. New replicas go to
// host records no member uses, hosts of a failure domain no member is in first (then unlabelled
// hosts, then the rest). The least useful replica: asynchronous before synchronous, never-promote
// before promotable, then the one most behind, then the one tried last for promotion (priority 1 is tried first).
import type { PgCluster } from '../../../shared/postgres'

export interface Proposal {
  name: string
  host: string
  why: string
}

function nextName(c: PgCluster, taken: Set<string>): string {
  const stem = (c.members[0]?.name.replace(/\d+$/, '') || 'db').slice(0, 36)
  for (let i = c.members.length + 1; ; i++) if (!taken.has(`${stem}${i}`)) return `${stem}${i}`
}

export function proposeReplicas(c: PgCluster, domains: ReadonlyMap<string, string | undefined>, count: number): Proposal[] {
  const used = new Set(c.members.map((m) => m.host))
  const usedDomains = new Set(c.members.map((m) => domains.get(m.host)).filter(Boolean))
  const rank = (h: string) => (domains.get(h) ? (usedDomains.has(domains.get(h)) ? 2 : 0) : 1)
  const free = [...domains.keys()].filter((h) => !used.has(h)).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
  const taken = new Set(c.members.map((m) => m.name))
  const out: Proposal[] = []
  for (const host of free.slice(0, count)) {
    const name = nextName(c, taken)
    taken.add(name)
    const d = domains.get(host)
    out.push({ name, host, why: d ? (usedDomains.has(d) ? `failure domain "${d}" (already used: no other host is free)` : `failure domain "${d}", where no member runs`) : 'no failure domain set' })
    if (d) usedDomains.add(d)
  }
  return out
}

/** The replica to remove first (never the primary), and why. */
export function leastUseful(c: PgCluster, primary: string, behind: (name: string) => number | null): { name: string; why: string } | undefined {
  const replicas = c.members.filter((m) => m.name !== primary)
  const key = (m: PgCluster['members'][number]) => [m.sync ? 1 : 0, m.neverPromote ? 0 : 1, -(behind(m.name) ?? Number.MAX_SAFE_INTEGER), -m.priority] as const
  const sorted = [...replicas].sort((a, b) => {
    const [x, y] = [key(a), key(b)]
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!
    return a.name.localeCompare(b.name)
  })
  const m = sorted[0]
  if (!m) return undefined
  const b = behind(m.name)
  return { name: m.name, why: [m.sync ? 'synchronous' : 'asynchronous', m.neverPromote ? 'never promoted' : undefined, b === null ? 'not reachable' : `${b} bytes behind`].filter(Boolean).join(', ') }
}
