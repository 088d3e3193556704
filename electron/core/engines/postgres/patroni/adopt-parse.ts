// Adopting a running Patroni cluster (pure part): what Patroni's REST API (`GET /cluster`,
// `GET /config`) and each member's Patroni config (read on its host, ADOPT_READ_CONFIG) say,
// turned into a cluster record with `automatic` set. Refuses, with what to do, anything the
// record cannot carry: a member whose host is no host record, a name ReplicaDesk cannot use,
// an etcd voter off the members' hosts.
import { z } from 'zod'
import { AppError } from '../../../../../shared/errors'
import { memberName, parseCluster, type PgCluster, type PgMemberInput } from '../model'
import { CA_FILE, ETCD_CLIENT_PORT } from './config'

/** A host record as the adopt needs it. */
export interface AdoptHost {
  name: string
  address: string
  user: string
  access: 'postgres' | 'sudo'
}

const restMember = z.object({
  name: z.string(),
  role: z.string(),
  state: z.string().default(''),
  api_url: z.string().optional(),
  host: z.string().optional(),
  port: z.number().int().optional(),
  tags: z.record(z.string(), z.unknown()).optional(),
})
const restCluster = z.object({ members: z.array(restMember).min(1), pause: z.boolean().optional() })
export type PatroniView = z.infer<typeof restCluster>

/** Patroni's dynamic configuration (`GET /config`): only what the record carries. */
const dynamicConfig = z.object({
  synchronous_mode: z.boolean().optional(),
  synchronous_node_count: z.number().int().min(1).optional(),
  maximum_lag_on_failover: z.number().int().min(0).optional(),
  postgresql: z.object({ parameters: z.record(z.string(), z.unknown()).optional() }).passthrough().optional(),
}).passthrough()
export type DynamicConfig = z.infer<typeof dynamicConfig>

/** One member's Patroni config as ADOPT_READ_CONFIG prints it (no secret: only whether the REST API password is ours). */
const memberConfig = z.object({
  file: z.string(),
  scope: z.string(),
  name: z.string(),
  data_dir: z.string(),
  bin_dir: z.string().nullable(),
  config_dir: z.string().nullable(),
  listen: z.string().nullable(),
  connect_address: z.string().nullable(),
  replication_user: z.string().nullable(),
  socket_dir: z.string().nullable(),
  etcd3_hosts: z.array(z.string()),
  etcd_v2: z.boolean(),
  cacert: z.string().nullable(),
  restapi_auth: z.enum(['none', 'ours', 'other']),
  pg_version: z.string().nullable(),
  tags: z.record(z.string(), z.unknown()),
})
export type MemberConfig = z.infer<typeof memberConfig>
const configAnswer = z.object({ found: z.array(memberConfig), unreadable: z.array(z.string()) })

function json(what: string, host: string, body: string): unknown {
  try {
    return JSON.parse(body)
  } catch {
    throw new AppError('command_failed', `${host}: ${what} is not JSON: ${body.slice(0, 120) || '(empty)'}`, { host })
  }
}

function parsed<T>(schema: z.ZodType<T>, what: string, host: string, body: string): T {
  const r = schema.safeParse(json(what, host, body))
  if (!r.success) throw new AppError('command_failed', `${host}: ${what} is not what Patroni 3.0 answers (${r.error.issues[0]?.path.join('.') || 'top'}: ${r.error.issues[0]?.message}).`, { host })
  return r.data
}

export const parseView = (host: string, body: string) => parsed(restCluster, "Patroni's GET /cluster", host, body)
export const parseDynamic = (host: string, body: string) => parsed(dynamicConfig, "Patroni's GET /config", host, body)

/** ADOPT_READ_CONFIG's answer on `host` for `member`: exactly one config of that name and scope. */
export function parseMemberConfig(host: string, member: string, scope: string, stdout: string): MemberConfig {
  const a = parsed(configAnswer, `the Patroni config read of ${member}`, host, stdout)
  const found = a.found.filter((f) => f.name === member && f.scope === scope)
  const unreadable = a.unreadable.length ? ` (not readable there: ${a.unreadable.join(', ')})` : ''
  if (!found.length) throw new AppError('preflight_failed', `${host}: no Patroni config for member ${member} of scope ${scope} in /etc/patroni${unreadable}. ReplicaDesk reads Debian's layout (/etc/patroni/*.yml, as postgres).`, { host })
  if (found.length > 1) throw new AppError('preflight_failed', `${host}: several Patroni configs name member ${member} of scope ${scope}: ${found.map((f) => f.file).join(', ')}. Remove the stale one, then adopt again.`, { host })
  return found[0]!
}

/** The host part of "host:port", "[v6]:port" or a URL. */
export function hostPart(s: string): string {
  const noScheme = s.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '')
  const v6 = /^\[([^\]]+)\]/.exec(noScheme)
  if (v6) return v6[1]!
  return noScheme.split(':').length === 2 ? noScheme.split(':')[0]! : noScheme
}
const portPart = (s: string | null) => (s && /:(\d+)$/.exec(s) ? Number(/:(\d+)$/.exec(s)![1]) : undefined)

/** The host record at this address (or of this name). */
const recordAt = (hosts: readonly AdoptHost[], address: string) => hosts.find((h) => h.address.toLowerCase() === address.toLowerCase()) ?? hosts.find((h) => h.name === address)

/** A host name the user can give the missing record (letters, digits, dots, dashes). */
const suggestedName = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'patroni-host'

/**
 * Each Patroni member with the host record it runs on (its connect address, else its REST API's
 * host). Refuses a name ReplicaDesk cannot record and a host without a record, saying which
 * `replicadesk host add` makes it.
 */
export function membersOnHosts(view: PatroniView, hosts: readonly AdoptHost[], via: AdoptHost): { name: string; role: string; state: string; host: AdoptHost; address: string; port?: number; tags: Record<string, unknown> }[] {
  return view.members.map((m) => {
    if (!memberName.safeParse(m.name).success) {
      throw new AppError('preflight_failed', `Patroni member "${m.name}" has a name ReplicaDesk cannot record (1–40 lower-case letters, digits, _ or -, starting with a letter): Patroni's REST calls and unit names use it as is. Rename it in its Patroni config (name:) and restart that Patroni, then adopt again.`, { member: m.name })
    }
    const address = m.host ?? (m.api_url ? hostPart(m.api_url) : undefined)
    if (!address) throw new AppError('preflight_failed', `Patroni reports no address for member ${m.name} (is it running?). Start its Patroni, then adopt again.`, { member: m.name })
    const host = recordAt(hosts, address)
    if (!host) {
      throw new AppError('preflight_failed', `Member ${m.name} of this Patroni cluster runs on ${address}, which is no host record. Add it first: \`replicadesk host add ${suggestedName(m.name === address ? address : `${m.name}-host`)} --address ${address} --user ${via.user}\` (or Hosts → Add), then adopt again.`, { member: m.name, address })
    }
    return { name: m.name, role: m.role, state: m.state, host, address, ...(m.port !== undefined && { port: m.port }), tags: m.tags ?? {} }
  })
}

const major = (cfg: MemberConfig, member: string) => {
  const v = cfg.pg_version?.trim() ?? /\/(\d{2,3})\/bin\/?$/.exec(cfg.bin_dir ?? '')?.[1]
  if (!v || !/^\d{2,3}$/.test(v)) throw new AppError('preflight_failed', `Cannot tell the PostgreSQL major version of ${member}: no PG_VERSION in ${cfg.data_dir} and bin_dir ${cfg.bin_dir ?? '(none)'} names none.`, { member })
  return v
}

/** Debian's layout when the config dir is /etc/postgresql/MAJOR/NAME (pg_ctlcluster's), else a plain data dir. */
const layoutOf = (cfg: MemberConfig, v: string) => {
  const deb = new RegExp(`^/etc/postgresql/${v}/([A-Za-z0-9_][A-Za-z0-9_.-]*)/?$`).exec(cfg.config_dir ?? '')
  return deb ? { layout: 'debian' as const, debianName: deb[1]! } : { layout: 'plain' as const }
}

const tagOn = (tags: Record<string, unknown>, k: string) => tags[k] === true || tags[k] === 'true'

export interface Adoption {
  cluster: PgCluster
  leader: string
  /** What the plan shows beside the record: things that work differently for this cluster. */
  notes: string[]
}

/**
 * The cluster record of a Patroni cluster: members from `GET /cluster` on the hosts `placed`
 * found, each with its own config (data dir, bin dir → major, port, sockets); synchronous from
 * the dynamic config; the etcd voters' host records from the etcd3 hosts.
 */
export function adoptedCluster(o: { id: string; restApiPort: number; placed: ReturnType<typeof membersOnHosts>; configs: ReadonlyMap<string, MemberConfig>; dynamic: DynamicConfig; hosts: readonly AdoptHost[] }): Adoption {
  const leader = o.placed.find((m) => m.role === 'leader')
  if (!leader) throw new AppError('preflight_failed', "Patroni reports no leader (it is failing over, paused without one, or has lost etcd). Wait until `patronictl list` shows a leader, then adopt again.")
  const cfgOf = (name: string) => o.configs.get(name)!
  const scopes = new Set(o.placed.map((m) => cfgOf(m.name).scope))
  if (scopes.size > 1) throw new AppError('preflight_failed', `The members' configs name several scopes: ${[...scopes].join(', ')}.`)
  const majors = new Set(o.placed.map((m) => major(cfgOf(m.name), m.name)))
  if (majors.size > 1) throw new AppError('preflight_failed', `The members run different PostgreSQL majors: ${[...majors].join(', ')}.`)
  const v = [...majors][0]!
  const syncOn = o.dynamic.synchronous_mode === true
  const members: PgMemberInput[] = [...o.placed].sort((a, b) => a.name.localeCompare(b.name)).map((m) => {
    const cfg = cfgOf(m.name)
    const bin = cfg.bin_dir?.replace(/\/+$/, '')
    return {
      name: m.name,
      host: m.host.name,
      address: m.address,
      port: portPart(cfg.listen) ?? m.port ?? 5432,
      dataDir: cfg.data_dir,
      ...layoutOf(cfg, v),
      access: m.host.access,
      sync: syncOn && !tagOn(m.tags, 'nosync'),
      neverPromote: tagOn(m.tags, 'nofailover'),
      ...(bin && bin !== `/usr/lib/postgresql/${v}/bin` && { binDir: bin }),
      ...(cfg.socket_dir && { socketDir: cfg.socket_dir.split(',')[0]!.trim() }),
    }
  })
  const etcdHosts = etcdHostsOf(o.placed, o.configs, o.hosts)
  const params = o.dynamic.postgresql?.parameters ?? {}
  const replicationUser = cfgOf(leader.name).replication_user
  const input = {
    id: o.id,
    major: v,
    ...(replicationUser && { replicationRole: replicationUser }),
    ...(syncOn && { sync: { method: 'ANY', num: o.dynamic.synchronous_node_count ?? 1 } }),
    ...(o.dynamic.maximum_lag_on_failover !== undefined && { maxLagBytes: o.dynamic.maximum_lag_on_failover }),
    ...(['on', 'remote_write', 'remote_apply'].includes(String(params.synchronous_commit)) && { synchronousCommit: String(params.synchronous_commit) }),
    ...(/^\d+(kB|MB|GB|TB)$/.test(String(params.wal_keep_size)) && { walKeepSize: String(params.wal_keep_size) }),
    members,
    automatic: { mode: 'patroni', scope: cfgOf(leader.name).scope, restApiPort: o.restApiPort, etcdHosts },
  }
  return { cluster: parseCluster(input), leader: leader.name, notes: notesOf(o.placed, o.configs) }
}

/** The etcd3 hosts of every member's config as host records, in the members' host order; voters off the members' hosts refused. */
function etcdHostsOf(placed: ReturnType<typeof membersOnHosts>, configs: ReadonlyMap<string, MemberConfig>, hosts: readonly AdoptHost[]): string[] {
  const memberHosts = [...new Set([...placed].sort((a, b) => a.name.localeCompare(b.name)).map((m) => m.host.name))]
  const seen = new Set<string>()
  for (const m of placed) {
    const cfg = configs.get(m.name)!
    if (cfg.etcd_v2 || !cfg.etcd3_hosts.length) throw new AppError('preflight_failed', `${m.host.name}: ${m.name}'s Patroni config has no etcd3 section${cfg.etcd_v2 ? ' (it uses the etcd v2 API)' : ''}; ReplicaDesk drives Patroni on etcd3 only.`, { member: m.name })
    for (const e of cfg.etcd3_hosts) {
      const at = hostPart(e)
      const h = recordAt(hosts, at)
      if (!h) throw new AppError('preflight_failed', `The etcd voter at ${e} (${m.name}'s config) is no host record. Add it first: \`replicadesk host add ${suggestedName(`etcd-${at}`)} --address ${at} --user ${m.host.user}\`, then adopt again.`, { address: at })
      if (!memberHosts.includes(h.name)) throw new AppError('preflight_failed', `The etcd voter on ${h.name} carries no member of this cluster: this version reads etcd's health and runs its voters on the members' hosts only.`, { host: h.name })
      seen.add(h.name)
    }
  }
  return memberHosts.filter((h) => seen.has(h))
}

/** What works differently for a cluster ReplicaDesk did not hand over itself. */
function notesOf(placed: ReturnType<typeof membersOnHosts>, configs: ReadonlyMap<string, MemberConfig>): string[] {
  const notes: string[] = []
  const foreignAuth = placed.filter((m) => configs.get(m.name)!.restapi_auth === 'other').map((m) => m.name)
  if (foreignAuth.length) notes.push(`The REST API password of ${foreignAuth.join(', ')} is not ReplicaDesk's (~postgres/.replicadesk/patroni-MEMBER.restapi on its host): switchover, failover, settings and rebuild through Patroni are refused by Patroni there until that file holds it.`)
  const foreignTls = placed.filter((m) => configs.get(m.name)!.cacert !== CA_FILE).map((m) => m.name)
  if (foreignTls.length) notes.push(`etcd of ${foreignTls.join(', ')} is not reached with ReplicaDesk's certificates (${CA_FILE}): the etcd health on the cluster card may show the voters down while Patroni works.`)
  const ports = placed.flatMap((m) => configs.get(m.name)!.etcd3_hosts).filter((e) => portPart(e) !== undefined && portPart(e) !== ETCD_CLIENT_PORT)
  if (ports.length) notes.push(`etcd listens on another port than ${ETCD_CLIENT_PORT} (${ports.join(', ')}): the etcd health on the cluster card reads port ${ETCD_CLIENT_PORT}.`)
  return notes
}
