// Adopting a running Patroni cluster (issue 19): the user names one host record; ReplicaDesk asks
// Patroni's REST API there (GET /patroni, /cluster, /config, through SSH) and reads each member's
// Patroni config on its host, then records the cluster as handed over (`automatic` set). Nothing
// on the servers changes. The operation (its plan is the dry run that shows what was found):
//   verify  Patroni still reports the same members and leader (read on a member's host)
// The record is written when it succeeds (record-effects.ts).
import { z } from 'zod'
import { AppError } from '../../../../../shared/errors'
import type { Step } from '../../../operations'
import type { HostExec } from '../../host-exec'
import { memberName, pgCluster, type PgCluster } from '../model'
import { listed } from '../plan-words'
import { adoptedCluster, membersOnHosts, parseDynamic, parseMemberConfig, parseView, type AdoptHost, type Adoption, type MemberConfig } from './adopt-parse'
import { ADOPT_READ_CONFIG } from './adopt-scripts'
import { automaticOf } from './config'
import { HTTP_GET, PYTHON } from './scripts'
import { httpGetOn, readClusterOn, restUrl } from './status'

export const patroniAdoptParams = z.object({
  cluster: pgCluster,
  /** The host record the user pointed at. */
  via: z.string(),
  leader: memberName,
  notes: z.array(z.string()).default([]),
})
export type PatroniAdoptParams = z.output<typeof patroniAdoptParams>

const CONFIG_READ_TIMEOUT_MS = 15_000

/** GET of a REST API path on `via`, at its record's address, else on 127.0.0.1 (a REST API bound to localhost). */
async function getOn(hosts: HostExec, via: AdoptHost, port: number, path: string): Promise<{ url: string; body: string }> {
  const tried: string[] = []
  for (const address of [...new Set([via.address, '127.0.0.1'])]) {
    const url = restUrl(address, port, path)
    tried.push(url)
    const r = await httpGetOn(hosts, via.name, url, 3)
    if (r && r.status === 200) return { url, body: r.body }
    if (r) throw new AppError('command_failed', `${via.name}: Patroni's REST API answered ${r.status} to GET ${path} (${url}).`, { host: via.name })
  }
  throw new AppError('preflight_failed', `${via.name}: no Patroni REST API answers (${tried.join(', ')}). Is Patroni running there? If its REST API listens on another port, give it (--rest-api-port).`, { host: via.name })
}

/** One member's Patroni config, read on its own host as postgres. */
async function readMemberConfig(hosts: HostExec, h: AdoptHost, member: string, scope: string): Promise<MemberConfig> {
  const r = await hosts.exec(h.name, [PYTHON, '-c', ADOPT_READ_CONFIG, member], { timeoutMs: CONFIG_READ_TIMEOUT_MS, ...(h.access === 'sudo' && { sudo: 'postgres' }) }).catch((e: Error) => {
    throw new AppError('command_failed', `${h.name}: could not read ${member}'s Patroni config: ${e.message}`, { host: h.name })
  })
  return parseMemberConfig(h.name, member, scope, r.stdout)
}

const jsonOrNull = (body: string): unknown => {
  try {
    return JSON.parse(body)
  } catch {
    return null
  }
}

/** What a Patroni cluster reached through host record `via` is, as a cluster record named `id`. */
export async function discoverPatroni(hosts: HostExec, o: { id: string; via: AdoptHost; restApiPort: number; records: readonly AdoptHost[] }): Promise<Adoption> {
  const self = await getOn(hosts, o.via, o.restApiPort, '/patroni')
  const scope = z.object({ patroni: z.object({ scope: z.string() }) }).safeParse(jsonOrNull(self.body))
  if (!scope.success) throw new AppError('command_failed', `${o.via.name}: GET /patroni names no scope (${self.body.slice(0, 120)}).`, { host: o.via.name })
  const view = parseView(o.via.name, (await getOn(hosts, o.via, o.restApiPort, '/cluster')).body)
  const dynamic = parseDynamic(o.via.name, (await getOn(hosts, o.via, o.restApiPort, '/config')).body)
  const placed = membersOnHosts(view, o.records, o.via)
  const configs = new Map(await Promise.all(placed.map(async (m) => [m.name, await readMemberConfig(hosts, m.host, m.name, scope.data.patroni.scope)] as const)))
  return adoptedCluster({ id: o.id, restApiPort: o.restApiPort, placed, configs, dynamic, hosts: o.records })
}

export function buildPatroniAdopt(hosts: HostExec, p: PatroniAdoptParams): Step<PatroniAdoptParams>[] {
  const c = p.cluster
  const verify: Step<PatroniAdoptParams> = {
    id: 'verify',
    title: `Patroni still reports ${listed(c.members.map((m) => m.name))} with ${p.leader} leading (nothing is changed on the servers)`,
    hosts: [...new Set(c.members.map((m) => m.host))],
    plan: () => c.members.slice(0, 1).map((m) => ({ host: m.host, argv: [PYTHON, '-c', HTTP_GET, restUrl(m.address, automaticOf(c).restApiPort, '/cluster'), '3'], note: "Patroni's REST API: members and leader (asked of each member in turn until one answers)" })),
    check: async () => false,
    async run(_ctx, report) {
      const view = await firstAnswer(hosts, c)
      const names = (ns: string[]) => [...ns].sort().join(', ')
      if (names(view.members.map((m) => m.name)) !== names(c.members.map((m) => m.name))) {
        throw new AppError('cluster_state', `Patroni's members changed since the plan: ${names(view.members.map((m) => m.name))} now, ${names(c.members.map((m) => m.name))} found before. Adopt again.`)
      }
      report({ message: `members ${names(view.members.map((m) => m.name))}; leader ${view.leader ?? 'none right now'}` })
    },
  }
  return [verify]
}

async function firstAnswer(hosts: HostExec, c: PgCluster) {
  const failures: string[] = []
  for (const m of c.members) {
    try {
      return await readClusterOn(hosts, c, m.name)
    } catch (e) {
      failures.push((e as Error).message)
    }
  }
  throw new AppError('command_failed', `No member of ${c.id} answered for Patroni: ${failures.join(' ')}`)
}

/** The plan's first words: what was found, and that nothing changes. */
export function adoptSummary(p: PatroniAdoptParams): string[] {
  const c = p.cluster
  const a = automaticOf(c)
  const sync = c.members.filter((m) => m.sync).map((m) => m.name)
  return [
    `Found Patroni scope ${a.scope} through ${p.via} (REST API port ${a.restApiPort}): PostgreSQL ${c.major}, leader ${p.leader}; etcd voters on ${listed(a.etcdHosts)}.`,
    ...c.members.map((m) => `${m.name}${m.name === p.leader ? ' (leader)' : ''} on ${m.host}: ${m.address}:${m.port}, data dir ${m.dataDir}${m.layout === 'debian' ? ` (Debian cluster ${c.major}/${m.debianName})` : ''}${m.neverPromote ? ', never promoted (nofailover)' : ''}.`),
    sync.length ? `Patroni's synchronous mode is on: ${c.sync.num} synchronous standby(s), picked by Patroni among ${listed(sync.filter((n) => n !== p.leader))} (any member not tagged nosync).` : "Patroni's synchronous mode is off: a failover may lose the last acknowledged writes.",
    `Cluster ${c.id} is recorded as handed over to Patroni: status, switchover, failover, settings and rebuild go through Patroni. Nothing is changed on the servers.`,
    ...p.notes,
  ]
}
