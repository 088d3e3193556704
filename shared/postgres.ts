// PostgreSQL clusters as the user described them: members (where and how each runs, how
// ReplicaDesk reaches it) and cluster-wide replication settings. Never who is primary: that is
// read from the servers when it matters. Shared: the UI, the CLI and the store all check them.
import { z } from 'zod'
import { hostAddress, hostName } from './hosts'
import { absPath, clusterId, hostDetection, memberName, notifyUrl, tcpPort, uniqueAmongMembers } from './members'

export { absPath, memberName, notifyUrl } from './members'
export const pgPort = tcpPort

export const roleName = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'Use lower-case letters, digits and _')
export const debianClusterName = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$/, 'Not a valid Debian cluster name')
export const majorVersion = z.string().regex(/^\d{2,3}$/, 'A PostgreSQL major version such as "15"')

/** A size as PostgreSQL writes it: 512MB, 10GB. */
export const walSize = z.string().regex(/^\d+(kB|MB|GB|TB)$/, 'A size such as 1GB')

export const serviceAddress = z.object({
  address: z.string().regex(/^(\d{1,3}\.){3}\d{1,3}$/, 'An IPv4 address such as 192.168.1.50'),
  prefix: z.number().int().min(1).max(32),
  interfaces: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/), z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/, 'A network interface name such as eth0')),
})
export type ServiceAddress = z.infer<typeof serviceAddress>

export const synchronousCommit = z.enum(['on', 'remote_write', 'remote_apply'])
export type SynchronousCommit = z.infer<typeof synchronousCommit>

/** One sentence each: what a commit acknowledged under this setting is guaranteed to be. */
export const SYNCHRONOUS_COMMIT_MEANING: Record<SynchronousCommit, string> = {
  on: 'acknowledged once the synchronous standbys flushed it to disk: it survives a crash of the primary and of every standby but those.',
  remote_write: 'acknowledged once the synchronous standbys received it in memory: it survives the primary dying, not a standby crashing with it.',
  remote_apply: 'acknowledged once the synchronous standbys applied it: a read there right after sees it.',
}

export const pgMember = z.object({
  name: memberName,
  /** The host record ReplicaDesk reaches over SSH. */
  host: hostName,
  /** Where the other members reach this member's PostgreSQL (its IP address or DNS name). */
  address: hostAddress,
  port: pgPort.default(5432),
  dataDir: absPath,
  /** plain: a data dir run with pg_ctl; debian: pg_createcluster / pg_ctlcluster (/etc/postgresql/VER/NAME). */
  layout: z.enum(['plain', 'debian']).default('plain'),
  /** The Debian cluster name (layout debian). */
  debianName: debianClusterName.default('main'),
  /** postgres: SSH login as postgres; sudo: an admin login that runs `sudo -n -u postgres`. */
  access: z.enum(['postgres', 'sudo']),
  sync: z.boolean().default(false),
  /** Promotion order and FIRST k order: priority 1 is tried first. */
  priority: z.number().int().min(0).max(1000).default(100),
  neverPromote: z.boolean().default(false),
  /** Default /usr/lib/postgresql/MAJOR/bin. */
  binDir: absPath.optional(),
  socketDir: absPath.default('/var/run/postgresql'),
  /** pg_ctl's log of a plain member; default /var/log/postgresql/replicadesk-NAME.log. */
  logFile: absPath.optional(),
})
export type PgMember = z.output<typeof pgMember>
export type PgMemberInput = z.input<typeof pgMember>

export const pgCluster = z
  .object({
    id: clusterId,
    major: majorVersion,
    /** The replication role; its password lives only in postgres' ~/.pgpass on each member. */
    replicationRole: roleName.default('replicadesk'),
    sync: z.object({ method: z.enum(['ANY', 'FIRST']).default('ANY'), num: z.number().int().min(1).max(100).default(1) }).default({ method: 'ANY', num: 1 }),
    walKeepSize: walSize.default('1GB'),
    maxWalSenders: z.number().int().min(2).max(1000).default(10),
    maxReplicationSlots: z.number().int().min(2).max(1000).default(10),
    /** What a commit waits for on the synchronous standbys (see SYNCHRONOUS_COMMIT_MEANING). */
    synchronousCommit: synchronousCommit.default('on'),
    /** A failover or switchover refuses a candidate further behind than this (bytes). */
    maxLagBytes: z.number().int().min(0).max(2 ** 50).default(16 * 1024 * 1024),
    /** max_slot_wal_keep_size: the WAL one slot may hold on the primary ('-1': no cap). */
    slotWalCap: walSize.or(z.literal('-1')).default('-1'),
    /** How many replicas the user wants; the health verdict says when fewer run. */
    desiredReplicas: z.number().int().min(0).max(31).optional(),
    /**
     * A free IPv4 address on the members' LAN that always belongs to the writable primary: every
     * operation that changes the primary moves it. `interfaces`: where each host carries it
     * (found by the pre-flight).
     */
    serviceAddress: serviceAddress.optional(),
    /**
     * When every synchronous replica is gone: strict (writes wait; nothing acknowledged can be
     * lost) or available (a running ReplicaDesk instance relaxes synchronous_standby_names after
     * `afterS` seconds, alerts, and restores it when they are back; only while an instance runs).
     */
    lostSync: z.object({ policy: z.enum(['strict', 'available']).default('strict'), afterS: z.number().int().min(1).max(3600).default(10) }).default({ policy: 'strict', afterS: 10 }),
    /** Set while the "available" policy has relaxed synchronous replication (when it did). */
    relaxedSince: z.string().optional(),
    /** Called (POST) when the health verdict gets worse: an ntfy topic URL or a webhook taking JSON. */
    notifyUrl: notifyUrl.optional(),
    members: z.array(pgMember).min(1).max(32),
    /**
     * Set once the cluster is handed over to Patroni + etcd (automatic failover): Patroni's scope,
     * the port of its REST API on every member, the hosts (records) that run the etcd voters.
     */
    automatic: z
      .object({
        mode: z.literal('patroni'),
        scope: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/),
        restApiPort: pgPort.default(8008),
        etcdHosts: z.array(hostName).min(1).max(7),
      })
      .optional(),
    /**
     * Members a failover fenced while they were out of reach: ReplicaDesk stops them the moment
     * it sees them again and never starts them as a primary. Only rejoin takes a name out.
     */
    fenced: z.array(memberName).default([]),
  })
  .superRefine((c, ctx) => {
    const dup = (what: string, keys: string[]) => uniqueAmongMembers(ctx, what, keys)
    dup('the name', c.members.map((m) => m.name))
    dup('the slot name', c.members.map((m) => slotName(m.name)))
    dup('host and port', c.members.map((m) => `${m.host}:${m.port}`))
    dup('host and data dir', c.members.map((m) => `${m.host}:${m.dataDir}`))
    dup('host and Debian cluster', c.members.filter((m) => m.layout === 'debian').map((m) => `${m.host}:${m.debianName}`))
  })
export type PgCluster = z.output<typeof pgCluster>
export type PgClusterInput = z.input<typeof pgCluster>

/** The physical replication slot that serves a member (on whichever member it follows). */
export const slotName = (member: string) => `rd_${member.replace(/-/g, '_')}`

/** What a host runs, as found by `cluster.detect`. */
export const pgDetection = hostDetection({
  socketDir: z.string().optional(),
  inRecovery: z.boolean().optional(),
  error: z.string().optional(),
})
export type PgDetection = z.infer<typeof pgDetection>
