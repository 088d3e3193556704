// MariaDB clusters as the user described them: members (where and how each runs) and the
// cluster-wide replication settings. Never who is primary: that is read from the servers.
// A record says `engine: 'mariadb'`; PostgreSQL records (shared/postgres.ts) carry no engine field.
import { z } from 'zod'
import { hostAddress, hostName } from './hosts'
import { absPath, clusterId, hostDetection, memberName, notifyUrl, tcpPort, uniqueAmongMembers } from './members'

export const MARIADB_DEFAULT_PORT = 3306
/** Debian's own server: /etc/mysql, /var/lib/mysql, the mariadb unit. */
export const DEBIAN_DATADIR = '/var/lib/mysql'

export const mariaMember = z.object({
  name: memberName,
  /** The host record ReplicaDesk reaches over SSH. */
  host: hostName,
  /** Where the other members reach this member's MariaDB (its IP address or DNS name). */
  address: hostAddress,
  port: tcpPort.default(MARIADB_DEFAULT_PORT),
  dataDir: absPath,
  /** plain: a datadir and a config file of ReplicaDesk's, mariadbd started by it; debian: /etc/mysql and the mariadb unit. */
  layout: z.enum(['plain', 'debian']).default('plain'),
  /** An admin login that runs `sudo -n -u mysql` (and `sudo -n systemctl` on the Debian layout). */
  access: z.literal('sudo').default('sudo'),
  /** server_id: unique in the cluster. */
  serverId: z.number().int().min(1).max(4_294_967_295),
  /** A semi-synchronous replica (acknowledges commits when semi-sync is on). */
  sync: z.boolean().default(false),
  /** Promotion order: priority 1 is tried first. */
  priority: z.number().int().min(0).max(1000).default(100),
  neverPromote: z.boolean().default(false),
  /** The server's Unix socket; default: Debian's /run/mysqld/mysqld.sock, plain /run/mysqld/rd-PORT.sock. */
  socket: absPath.optional(),
})
export type MariaMember = z.output<typeof mariaMember>
export type MariaMemberInput = z.input<typeof mariaMember>

/** What semi-synchronous replication means on MariaDB 10.11, said where it is set and judged. */
export const SEMI_SYNC_MEANING =
  'A commit waits until one replica (any one: MariaDB has no count) acknowledged it, after the primary wrote it to its binary log (AFTER_SYNC). After the timeout without an acknowledgement the primary goes on asynchronously until a replica catches up; "strict" sets a very long timeout instead.'

export const mariaCluster = z
  .object({
    engine: z.literal('mariadb'),
    id: clusterId,
    /** The replication user; its password lives only in an option file of the mysql user on each member. */
    replicationUser: z.string().regex(/^[a-z_][a-z0-9_]{0,31}$/).default('replicadesk'),
    /** Semi-synchronous replication (AFTER_SYNC): see SEMI_SYNC_MEANING. timeoutMs: rpl_semi_sync_master_timeout. */
    semiSync: z
      .object({ enabled: z.boolean().default(false), timeoutMs: z.number().int().min(1).max(4_294_967_295).default(10_000) })
      .default({ enabled: false, timeoutMs: 10_000 }),
    /** How many replicas the user wants; the health verdict says when fewer run. */
    desiredReplicas: z.number().int().min(0).max(31).optional(),
    notifyUrl: notifyUrl.optional(),
    members: z.array(mariaMember).min(1).max(32),
    /** Members a failover fenced while out of reach (part 2). */
    fenced: z.array(memberName).default([]),
  })
  .superRefine((c, ctx) => {
    const dup = (what: string, keys: string[]) => uniqueAmongMembers(ctx, what, keys)
    dup('the name', c.members.map((m) => m.name))
    dup('server_id', c.members.map((m) => String(m.serverId)))
    dup('host and port', c.members.map((m) => `${m.host}:${m.port}`))
    dup('host and datadir', c.members.map((m) => `${m.host}:${m.dataDir}`))
    dup('the Debian server of host', c.members.filter((m) => m.layout === 'debian').map((m) => m.host))
  })
export type MariaCluster = z.output<typeof mariaCluster>
export type MariaClusterInput = z.input<typeof mariaCluster>

/** The Unix socket a member's server listens on. */
export const mariaSocket = (m: Pick<MariaMember, 'socket' | 'layout' | 'port'>) =>
  m.socket ?? (m.layout === 'debian' ? '/run/mysqld/mysqld.sock' : `/run/mysqld/rd-${m.port}.sock`)

/** The lowest server_id not used by a member (1 for the first). */
export const freeServerId = (members: readonly Pick<MariaMember, 'serverId'>[]) => {
  const used = new Set(members.map((m) => m.serverId))
  let id = 1
  while (used.has(id)) id++
  return id
}

/** What a host runs, as `cluster.detect --engine mariadb` finds it. */
export const mariaDetection = hostDetection({
  socket: z.string(),
  serverId: z.number().optional(),
  logBin: z.boolean().optional(),
  binlogFormat: z.string().optional(),
  gtidStrictMode: z.boolean().optional(),
  logSlaveUpdates: z.boolean().optional(),
  readOnly: z.boolean().optional(),
  gtidCurrentPos: z.string().optional(),
  replication: z.array(z.object({ connection: z.string(), masterHost: z.string(), masterPort: z.number(), ioRunning: z.string(), sqlRunning: z.string(), lastError: z.string().optional() })).optional(),
  error: z.string().optional(),
}).extend({
  debian: z.object({ conf: z.boolean(), unit: z.boolean(), datadir: z.enum(['missing', 'empty', 'initialised', 'other', 'unknown']) }),
})
export type MariaDetectionOutput = z.infer<typeof mariaDetection>
