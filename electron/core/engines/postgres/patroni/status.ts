// Status of a cluster handed over to Patroni: Patroni's REST API `GET /cluster` and etcd's
// `endpoint health`, both read on a member's host through SSH (nothing new is opened to the
// laptop), each with a bounded timeout. The first member host that answers is enough.
import { z } from 'zod'
import { AppError } from '../../../../../shared/errors'
import type { HostExec } from '../../host-exec'
import type { PgCluster } from '../model'
import { automaticOf, etcdClientUrl, RESTAPI_USER, votersOf, type Voter } from './config'
import { HTTP_AUTH_REQUEST, HTTP_GET, PYTHON } from './scripts'
import { etcdctlTls } from './tls'

const ANY_EXIT = Array.from({ length: 256 }, (_, i) => i)

const restMember = z.object({
  name: z.string(),
  role: z.string(),
  state: z.string().default(''),
  host: z.string().optional(),
  port: z.number().optional(),
  timeline: z.number().optional(),
  lag: z.union([z.number(), z.string()]).optional(),
  pending_restart: z.boolean().optional(),
  tags: z.record(z.string(), z.unknown()).optional(),
})
const restCluster = z.object({ members: z.array(restMember), pause: z.boolean().optional() })

export interface PatroniMember {
  name: string
  /** leader, sync_standby, replica (Patroni's words). */
  role: string
  /** running, starting, stopped, … (Patroni 3.0.2 says running for a streaming replica). */
  state: string
  timeline?: number
  /** Bytes behind the leader; undefined for the leader, null when Patroni does not know. */
  lagBytes?: number | null
  pendingRestart: boolean
  /** Tagged nofailover (never promoted); absent when not. */
  noFailover?: true
}

export interface EtcdHealth {
  voters: number
  /** Endpoints (member names) that answered healthy. */
  up: string[]
  down: { name: string; error: string }[]
  /** The voter that leads etcd (etcdctl endpoint status); null: none or unknown; absent: not read. */
  leader?: string | null
  /** etcd has a majority (some endpoint answered a linearizable read); absent: judged from `up`. */
  quorum?: boolean
}

export interface PatroniStatus {
  /** The host whose REST API answered. */
  readFrom: string
  leader: string | null
  members: PatroniMember[]
  paused: boolean
  etcd: EtcdHealth
}

/** Patroni's `GET /cluster` body. */
export function parseCluster(body: string): Omit<PatroniStatus, 'readFrom' | 'etcd'> {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    throw new Error(`not JSON: ${body.slice(0, 120)}`)
  }
  const c = restCluster.parse(json)
  const members = c.members.map((m) => ({
    name: m.name,
    role: m.role,
    state: m.state,
    ...(m.timeline !== undefined && { timeline: m.timeline }),
    ...(m.role !== 'leader' && m.role !== 'standby_leader' && { lagBytes: typeof m.lag === 'number' ? m.lag : null }),
    pendingRestart: m.pending_restart === true,
    ...(m.tags?.nofailover === true && { noFailover: true as const }),
  }))
  return { leader: members.find((m) => m.role === 'leader')?.name ?? null, members, paused: c.pause === true }
}

const healthLine = z.object({ endpoint: z.string(), health: z.boolean(), error: z.string().optional() })

/** `etcdctl endpoint health -w json` (an array; unreachable endpoints have health false). */
export function parseEtcdHealth(stdout: string, stderr: string, voters: readonly Voter[]): EtcdHealth {
  let lines: z.infer<typeof healthLine>[] = []
  try {
    lines = z.array(healthLine).parse(JSON.parse(stdout.trim() || '[]'))
  } catch {
    lines = []
  }
  const byUrl = new Map(lines.map((l) => [l.endpoint, l]))
  const up: string[] = []
  const down: EtcdHealth['down'] = []
  for (const v of voters) {
    const l = byUrl.get(etcdClientUrl(v))
    if (l?.health) up.push(v.name)
    else down.push({ name: v.name, error: l?.error ?? (stderr.split('\n').find((x) => x.includes(etcdClientUrl(v))) || 'no answer') })
  }
  return { voters: voters.length, up, down }
}

/**
 * `etcdctl endpoint status -w json`: the voters whose etcd answered (one entry per endpoint that
 * did, also without a majority) and the voter that leads etcd (each entry carries its own
 * member_id and the leader it knows; ids are uint64, read as text).
 */
export function parseEtcdStatus(stdout: string, voters: readonly Voter[]): { answering: string[]; leader: string | null } {
  // One chunk per endpoint; etcd leaves "leader" out when it has none (zero values are omitted).
  const seen = stdout
    .split('{"Endpoint":"')
    .slice(1)
    .map((chunk) => ({ url: chunk.slice(0, chunk.indexOf('"')), id: /"member_id":(\d+)/.exec(chunk)?.[1], leader: /"leader":(\d+)/.exec(chunk)?.[1] ?? '0' }))
    .filter((x): x is { url: string; id: string; leader: string } => x.id !== undefined)
  const lead = seen.find((x) => x.leader !== '0' && seen.some((y) => y.id === x.leader))
  const url = lead && seen.find((y) => y.id === lead.leader)!.url
  const nameOf = (u: string | undefined) => voters.find((v) => etcdClientUrl(v) === u)?.name
  return { answering: voters.filter((v) => seen.some((x) => x.url === etcdClientUrl(v))).map((v) => v.name), leader: nameOf(url) ?? null }
}

/** The voter that leads etcd (parseEtcdStatus), null: none or unknown. */
export const parseEtcdLeader = (stdout: string, voters: readonly Voter[]): string | null => parseEtcdStatus(stdout, voters).leader

/** GET on a URL from a host, through SSH; `undefined` when nothing answered there. */
export async function httpGetOn(hosts: HostExec, host: string, url: string, timeoutS = 3): Promise<{ status: number; body: string } | undefined> {
  const r = await hosts.exec(host, [PYTHON, '-c', HTTP_GET, url, String(timeoutS)], { timeoutMs: (timeoutS + 10) * 1000, okExitCodes: ANY_EXIT })
  if (r.exitCode !== 0) return undefined
  const nl = r.stdout.indexOf('\n')
  return { status: Number(r.stdout.slice(0, nl)), body: r.stdout.slice(nl + 1) }
}

export const restUrl = (address: string, port: number, path: string) => `http://${address.includes(':') ? `[${address}]` : address}:${port}${path}`

/**
 * An unsafe call (POST, PATCH) to member `memberName`'s REST API, from its own host (its password
 * is there), with a JSON body; throws naming the host when nothing answered.
 */
export async function restCall(hosts: HostExec, c: PgCluster, memberName: string, method: 'POST' | 'PATCH', path: string, body: unknown, timeoutS = 30): Promise<{ status: number; body: string }> {
  const m = c.members.find((x) => x.name === memberName)!
  const { argv, url } = restCallArgv(c, memberName, method, path, timeoutS)
  const r = await hosts.exec(m.host, argv, { sudo: 'postgres', stdin: JSON.stringify(body), timeoutMs: (timeoutS + 10) * 1000, okExitCodes: ANY_EXIT })
  if (r.exitCode !== 0) throw new AppError('command_failed', `${m.host}: Patroni's REST API (${method} ${url}) did not answer: ${r.stderr.trim() || `exit ${r.exitCode}`}`, { host: m.host })
  const nl = r.stdout.indexOf('\n')
  return { status: Number(r.stdout.slice(0, nl)), body: r.stdout.slice(nl + 1) }
}

/** The command of restCall (for plans): run as postgres on the member's host, the body over stdin. */
export function restCallArgv(c: PgCluster, memberName: string, method: 'POST' | 'PATCH', path: string, timeoutS = 30) {
  const m = c.members.find((x) => x.name === memberName)!
  const url = restUrl(m.address, automaticOf(c).restApiPort, path)
  return { url, argv: [PYTHON, '-c', HTTP_AUTH_REQUEST, method, url, String(timeoutS), RESTAPI_USER, m.name] }
}

/** Patroni's view of the cluster from one member's REST API; throws naming the host. */
export async function readClusterOn(hosts: HostExec, c: PgCluster, memberName: string, timeoutS = 3) {
  const m = c.members.find((x) => x.name === memberName)!
  const url = restUrl(m.address, automaticOf(c).restApiPort, '/cluster')
  const r = await httpGetOn(hosts, m.host, url, timeoutS).catch((e: Error) => {
    throw new AppError('command_failed', `${m.host}: could not ask Patroni (${url}): ${e.message}`, { host: m.host })
  })
  if (!r) throw new AppError('command_failed', `${m.host}: Patroni's REST API (${url}) does not answer. Is ${m.name}'s Patroni running? Look at \`sudo systemctl status\` of its unit there.`, { host: m.host })
  if (r.status !== 200) throw new AppError('command_failed', `${m.host}: Patroni's REST API answered ${r.status} to GET /cluster.`, { host: m.host })
  return parseCluster(r.body)
}

/** etcdctl's argv against every voter, over TLS with the host's client certificate (run it as postgres). */
export const etcdctlArgv = (c: PgCluster, timeoutS: number, ...command: string[]) => ['etcdctl', `--endpoints=${votersOf(c, automaticOf(c)).map(etcdClientUrl).join(',')}`, ...etcdctlTls(), `--dial-timeout=${timeoutS}s`, `--command-timeout=${timeoutS}s`, ...command]

/** etcd's health, asked from one member host (etcdctl there, as postgres: the client key's owner), every voter's endpoint. */
export async function readEtcdHealth(hosts: HostExec, c: PgCluster, fromHost: string, timeoutS = 2): Promise<EtcdHealth> {
  const voters = votersOf(c, automaticOf(c))
  const argv = etcdctlArgv(c, timeoutS, 'endpoint', 'health', '-w', 'json')
  const r = await hosts.exec(fromHost, argv, { sudo: 'postgres', timeoutMs: (timeoutS + 10) * 1000, okExitCodes: ANY_EXIT })
  return parseEtcdHealth(r.stdout, r.stderr, voters)
}

/**
 * Leader, members (role, state, timeline, lag) and etcd health, read on the first member host
 * whose Patroni answers (in member order). Throws when none does, naming each host's answer.
 */
export async function readPatroniStatus(hosts: HostExec, c: PgCluster, o: { timeoutS?: number } = {}): Promise<PatroniStatus> {
  const failures: string[] = []
  for (const m of c.members) {
    try {
      const cluster = await readClusterOn(hosts, c, m.name, o.timeoutS ?? 3)
      const etcd = await readEtcdHealth(hosts, c, m.host, Math.min(o.timeoutS ?? 3, 2))
      return { readFrom: m.host, ...cluster, etcd }
    } catch (e) {
      failures.push((e as Error).message)
    }
  }
  throw new AppError('command_failed', `No member of ${c.id} answered for Patroni: ${failures.join(' ')}`)
}
