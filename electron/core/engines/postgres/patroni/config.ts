// What a hand-over writes on the servers, as pure functions of the cluster record: the etcd unit
// of each voter and the Patroni configuration of each member (a template: the passwords are
// filled in on the server, see FILL_PATRONI_CONFIG), plus the names and paths they live at.
// Patroni 3.0.2 and etcd 3.4 as Debian 12 packages them.
import { createHash } from 'node:crypto'
import { binDir, type PgCluster, type PgMember } from '../model'

export const ETCD_CLIENT_PORT = 2379
export const ETCD_PEER_PORT = 2380
/** Our own unit: Debian's etcd.service reads /etc/default/etcd, one default instance per box. */
export const ETCD_UNIT = 'replicadesk-etcd.service'
export const ETCD_UNIT_FILE = `/etc/systemd/system/${ETCD_UNIT}`
export const ETCD_DATA_DIR = '/var/lib/replicadesk/etcd'
/** etcd's certificates (tls.ts); under /var/lib/replicadesk, per host also in the lab, where the hosts share /etc. */
export const TLS_DIR = '/var/lib/replicadesk/etcd-tls'
export const CA_FILE = `${TLS_DIR}/ca.crt`
export const tlsFile = (name: 'etcd' | 'client', ext: 'crt' | 'key') => `${TLS_DIR}/${name}.${ext}`
/**
 * Home-lab timings (failover-time.ts says where the time goes): a powered-off primary is replaced
 * in 10.3–12.0 s measured on the lab (13.3–14.7 s when its host also led etcd, which the primary's
 * move of etcd's leadership now avoids: etcd-leader.ts), against 12.3–17 s with ttl 10 /
 * loop_wait 2 (e2e/bench/patroni.bench.ts). loop_wait 1 narrows how stale the lease
 * can be at the power-off; retry_timeout 3 rides out a 1 s blip plus an etcd election (the leader
 * retries that long before giving up; less would turn a blip into a failover); ttl 7 =
 * loop_wait + 2 × retry_timeout, the least Patroni accepts with these.
 */
export const TIMINGS = { ttl: 7, loop_wait: 1, retry_timeout: 3 } as const
/**
 * failsafe_mode off. With two etcd voters down Patroni then demotes the primary to read-only (no
 * failover either: nobody can take the key) until a voter is back. failsafe would keep it writable
 * only while its Patroni reaches EVERY other member's REST API (POST /failsafe), but: the voters
 * run on the members' hosts, so two voters down almost always means two members down, where
 * failsafe demotes too; Patroni 3.0.2 sends its own REST API credentials to every member, while
 * each member here has its own password (kept on its server), so the others would refuse it; and
 * 3.0.2 has a bug fixed in 3.1.1 (a primary promoted soon after failsafe activated demotes itself
 * once etcd is back). On the lab, failsafe_mode patched on still left the primary read-only 5–6 s
 * after the second voter stopped. Read-only and said so beats writable on a promise that does not hold.
 */
export const FAILSAFE_MODE = false
/** The user of the REST API's basic auth (its password is generated on each server). */
export const RESTAPI_USER = 'replicadesk'
/** Placeholders the server replaces (FILL_PATRONI_CONFIG): secrets never leave the servers. */
export const REPLICATION_PASSWORD = '@REPLICATION_PASSWORD@'
export const RESTAPI_PASSWORD = '@RESTAPI_PASSWORD@'
export const HOME = '@HOME@'
/** First line of every config ReplicaDesk writes: the template's hash, what the check compares. */
export const TEMPLATE_MARK = '# replicadesk-template '

/** Debian's `patroni@.service` runs /etc/patroni/%i.yml as postgres; the instance is MAJOR-MEMBER. */
export const patroniInstance = (c: Pick<PgCluster, 'major'>, m: Pick<PgMember, 'name'>) => `${c.major}-${m.name}`
export const patroniUnit = (c: Pick<PgCluster, 'major'>, m: Pick<PgMember, 'name'>) => `patroni@${patroniInstance(c, m)}.service`
/** The physical slot Patroni keeps for a member on the leader (its name, lower case, other characters as _). */
export const patroniSlot = (m: Pick<PgMember, 'name'>) => m.name.toLowerCase().replace(/[^a-z0-9_]/g, '_')
export const patroniConfigFile = (c: Pick<PgCluster, 'major'>, m: Pick<PgMember, 'name'>) => `/etc/patroni/${patroniInstance(c, m)}.yml`
/** The member's role-change callback (callback.ts), beside its config; Patroni runs it with sh (its first line is the template mark). */
export const callbackFile = (c: Pick<PgCluster, 'major'>, m: Pick<PgMember, 'name'>) => `/etc/patroni/${patroniInstance(c, m)}-on-role-change.sh`

/**
 * The systemd drop-in ReplicaDesk adds to each member's unit. Debian's patroni@.service has
 * Restart=no, and Patroni 3.0.2 exits at start while its etcd does not answer yet: after a reboot
 * the member would stay down for good. So: started after the host's etcd voter, and again 5 s
 * after it failed (5 s keeps it far from systemd's start limit of 5 starts in 10 s).
 */
export const patroniDropInFile = (c: Pick<PgCluster, 'major'>, m: Pick<PgMember, 'name'>) => `/etc/systemd/system/${patroniUnit(c, m)}.d/replicadesk.conf`
export function patroniDropIn(c: PgCluster, m: PgMember): string {
  const voter = automaticOf(c).etcdHosts.includes(m.host)
  const body = [
    `# Written by ReplicaDesk: Patroni of member ${m.name} of cluster ${c.id} starts again when it exits early (its etcd not up yet).`,
    ...(voter ? ['[Unit]', `After=${ETCD_UNIT}`, `Wants=${ETCD_UNIT}`, ''] : []),
    '[Service]',
    'Restart=on-failure',
    'RestartSec=5',
    '',
  ].join('\n')
  return `${TEMPLATE_MARK}${templateHash(body)}\n${body}`
}

export interface Automatic {
  scope: string
  restApiPort: number
  etcdHosts: string[]
}

/** The hand-over's settings: the record's own, else scope = cluster id, port 8008, the members' hosts. */
export function automaticOf(c: PgCluster): Automatic {
  const a = c.automatic
  return { scope: a?.scope ?? c.id, restApiPort: a?.restApiPort ?? 8008, etcdHosts: a?.etcdHosts ?? [...new Set(c.members.map((m) => m.host))] }
}

export interface Voter {
  /** etcd member name: the host record's name. */
  name: string
  address: string
}

/** The etcd voters with the address each binds: the address of a member on that host. */
export function votersOf(c: PgCluster, a: Automatic): Voter[] {
  return a.etcdHosts.map((h) => {
    const m = c.members.find((x) => x.host === h)
    if (!m) throw new Error(`${h} carries no member of ${c.id}: this version runs etcd voters on the members' hosts only`)
    return { name: h, address: m.address }
  })
}

const hostPort = (address: string, port: number) => (address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`)
export const etcdClientUrl = (v: Voter) => `https://${hostPort(v.address, ETCD_CLIENT_PORT)}`
const peerUrl = (v: Voter) => `https://${hostPort(v.address, ETCD_PEER_PORT)}`

/**
 * The unit of one voter: etcd's own environment variables, bound to the host's own address,
 * client and peer traffic over TLS with certificates of the cluster's CA required (tls.ts).
 */
export function etcdUnit(scope: string, voters: readonly Voter[], self: Voter): string {
  const env: [string, string][] = [
    ['ETCD_NAME', self.name],
    ['ETCD_DATA_DIR', ETCD_DATA_DIR],
    ['ETCD_LISTEN_PEER_URLS', peerUrl(self)],
    ['ETCD_LISTEN_CLIENT_URLS', etcdClientUrl(self)],
    ['ETCD_INITIAL_ADVERTISE_PEER_URLS', peerUrl(self)],
    ['ETCD_ADVERTISE_CLIENT_URLS', etcdClientUrl(self)],
    ['ETCD_INITIAL_CLUSTER', voters.map((v) => `${v.name}=${peerUrl(v)}`).join(',')],
    ['ETCD_INITIAL_CLUSTER_STATE', 'new'],
    ['ETCD_INITIAL_CLUSTER_TOKEN', `replicadesk-${scope}`],
    ['ETCD_CERT_FILE', tlsFile('etcd', 'crt')],
    ['ETCD_KEY_FILE', tlsFile('etcd', 'key')],
    ['ETCD_TRUSTED_CA_FILE', CA_FILE],
    ['ETCD_CLIENT_CERT_AUTH', 'true'],
    ['ETCD_PEER_CERT_FILE', tlsFile('etcd', 'crt')],
    ['ETCD_PEER_KEY_FILE', tlsFile('etcd', 'key')],
    ['ETCD_PEER_TRUSTED_CA_FILE', CA_FILE],
    ['ETCD_PEER_CLIENT_CERT_AUTH', 'true'],
    // Pre-vote (off by default in 3.4): a voter cut off for a moment must not come back with a
    // higher term and depose a healthy etcd leader. Without it a 1 s blip of one host set off an
    // election storm of 3–4 s on the lab, longer than retry_timeout: Patroni demoted its primary.
    ['ETCD_PRE_VOTE', 'true'],
  ]
  return [
    '# Written by ReplicaDesk: etcd voter for Patroni (automatic failover).',
    '[Unit]',
    `Description=etcd for Patroni scope ${scope} (ReplicaDesk)`,
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=notify',
    'User=etcd',
    ...env.map(([k, v]) => `Environment=${k}=${v}`),
    'ExecStart=/usr/bin/etcd',
    'Restart=on-abnormal',
    'LimitNOFILE=65536',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n')
}

/** Restart-only settings Patroni puts on its command line; carried over from the running primary. */
export const CARRIED_SETTINGS = ['max_connections', 'max_locks_per_transaction', 'max_worker_processes', 'max_prepared_transactions', 'track_commit_timestamp', 'wal_level'] as const

type Yaml = string | number | boolean | readonly Yaml[] | { readonly [k: string]: Yaml | undefined }

/** Block-style YAML; strings double-quoted (JSON's escapes are YAML's). */
export function toYaml(v: Yaml, indent = ''): string {
  if (Array.isArray(v)) return v.map((x) => `${indent}- ${typeof x === 'object' ? `\n${toYaml(x, `${indent}  `)}` : scalar(x)}`).join('\n')
  if (typeof v !== 'object') return `${indent}${scalar(v)}`
  return Object.entries(v as Record<string, Yaml | undefined>)
    .filter((e): e is [string, Yaml] => e[1] !== undefined)
    .map(([k, x]) => (typeof x === 'object' && (!Array.isArray(x) || x.length) ? `${indent}${k}:\n${toYaml(x, `${indent}  `)}` : `${indent}${k}: ${Array.isArray(x) ? '[]' : scalar(x as string | number | boolean)}`))
    .join('\n')
}
const scalar = (x: Yaml) => (typeof x === 'string' ? JSON.stringify(x) : String(x))

export interface MemberFacts {
  /** listen_addresses the server runs with now (kept: Patroni writes it into postgresql.conf). */
  listenAddresses: string
  /** CARRIED_SETTINGS as the primary runs them. */
  carried: Record<string, string>
}

/** The cluster's synchronous setting in Patroni's terms (3.0.2: no quorum commit). */
export function syncOf(c: PgCluster) {
  const syncMembers = c.members.filter((m) => m.sync).length
  const on = syncMembers > 0
  return { synchronous_mode: on, synchronous_mode_strict: on, synchronous_node_count: on ? Math.min(c.sync.num, Math.max(1, syncMembers - 1)) : 1 }
}

/** The voters with the one on `host` (if any) first, the others in their order. */
export const localFirst = (voters: readonly Voter[], host: string) => [...voters.filter((v) => v.name === host), ...voters.filter((v) => v.name !== host)]

/** Patroni's configuration of one member, secrets as placeholders, first line the template mark. */
export function patroniConfig(c: PgCluster, m: PgMember, facts: MemberFacts): string {
  const a = automaticOf(c)
  const voters = votersOf(c, a)
  const replication = { username: c.replicationRole, password: REPLICATION_PASSWORD }
  const doc: Yaml = {
    scope: a.scope,
    name: m.name,
    restapi: {
      listen: hostPort(m.address, a.restApiPort),
      connect_address: hostPort(m.address, a.restApiPort),
      authentication: { username: RESTAPI_USER, password: RESTAPI_PASSWORD },
    },
    // Its own host's etcd first, in this order (use_proxies: no discovery, no shuffle): Patroni 3.0.2
    // reads the cluster from a watch on one etcd; a watch on a powered-off host goes stale until TCP
    // gives up (~30 s measured), while a local etcd dies only with the member itself.
    etcd3: { hosts: localFirst(voters, m.host).map((v) => hostPort(v.address, ETCD_CLIENT_PORT)), use_proxies: true, protocol: 'https', cacert: CA_FILE, cert: tlsFile('client', 'crt'), key: tlsFile('client', 'key') },
    bootstrap: {
      dcs: {
        ...TIMINGS,
        failsafe_mode: FAILSAFE_MODE,
        maximum_lag_on_failover: c.maxLagBytes,
        ...syncOf(c),
        postgresql: {
          use_pg_rewind: true,
          use_slots: true,
          parameters: {
            ...facts.carried,
            wal_log_hints: 'on',
            hot_standby: 'on',
            wal_keep_size: c.walKeepSize,
            max_wal_senders: c.maxWalSenders,
            max_replication_slots: c.maxReplicationSlots,
            max_slot_wal_keep_size: c.slotWalCap,
            synchronous_commit: c.synchronousCommit,
            // A standby whose upstream changed retries every second, not every 5 s: after a failover
            // the new leader's writes wait (strict synchronous mode) until a standby streams again.
            wal_retrieve_retry_interval: '1s',
          },
        },
      },
    },
    postgresql: {
      listen: `${facts.listenAddresses}:${m.port}`,
      connect_address: hostPort(m.address, m.port),
      data_dir: m.dataDir,
      bin_dir: binDir(m, c.major),
      pgpass: `${HOME}/.replicadesk/patroni-${m.name}.pgpass`,
      use_unix_socket: true,
      authentication: { superuser: { username: 'postgres' }, replication, rewind: replication },
      parameters: { unix_socket_directories: m.socketDir },
      // Always named, with or without a notification URL: a new URL is a rewrite of the script, never a restart.
      callbacks: { on_role_change: `/bin/sh ${callbackFile(c, m)}` },
    },
    tags: { nofailover: m.neverPromote, nosync: !m.sync, noloadbalance: false, clonefrom: false },
  }
  const body = `# Written by ReplicaDesk: Patroni for member ${m.name} of cluster ${c.id}. The passwords were filled in on this server.\n${toYaml(doc)}\n`
  return `${TEMPLATE_MARK}${templateHash(body)}\n${body}`
}

export const templateHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16)

/** The mark a member's config carries when it was written from this template. */
export const markOf = (template: string) => template.slice(0, template.indexOf('\n'))

/** What changes meaning when Patroni takes over, for the plan. */
export function meaningChanges(c: PgCluster): string[] {
  const s = syncOf(c)
  const out: string[] = []
  if (s.synchronous_mode) {
    out.push(`Synchronous: ${c.sync.method} ${c.sync.num} of the synchronous members becomes Patroni's strict synchronous mode with ${s.synchronous_node_count} synchronous standby(s) Patroni picks by name (3.0.2 has no quorum commit); writes still wait when no synchronous standby streams.`)
  }
  if (c.members.some((m) => m.priority !== c.members[0]!.priority)) out.push('Priorities: Patroni 3.0.2 has no failover priority; it promotes the healthiest eligible standby.')
  out.push('Replication slots: Patroni names them after the members and drops ReplicaDesk\'s rd_* slots once unused.')
  out.push('Role changes: from now on Patroni decides them; ReplicaDesk\'s own switchover and failover leave this cluster alone.')
  return out
}
