// Inputs of the cluster methods. Flat, so that the form fields and the CLI flags map onto
// them one to one; the core turns them into the cluster record (shared/postgres.ts).
import { z } from 'zod'
import { hostAddress, hostName } from './hosts'
import { absPath, debianClusterName, majorVersion, memberName, notifyUrl, pgCluster, pgPort, synchronousCommit, walSize } from './postgres'

export const clusterId = pgCluster.shape.id

const memberPlacement = {
  host: hostName.describe('the host record to run on'),
  // Not `dataDir`: the CLI's --data-dir is ReplicaDesk's own folder. PGDATA is the usual name.
  pgdata: absPath.optional().describe("PostgreSQL: the member's data directory (PGDATA) on that host"),
  datadir: absPath.optional().describe("MariaDB: the member's datadir on that host (/var/lib/mysql with --layout debian)"),
  port: pgPort.optional().describe('default 5432 for PostgreSQL, 3306 for MariaDB'),
  address: hostAddress.optional().describe("where the other members reach it (default: the host record's address)"),
  layout: z.enum(['plain', 'debian']).default('plain').describe('plain: a data dir ReplicaDesk runs (pg_ctl, mariadbd); debian: the distribution\'s own (pg_createcluster; /etc/mysql and the mariadb unit)'),
  debianName: debianClusterName.default('main').describe('Debian cluster name (layout debian)'),
  sync: z.boolean().default(false).describe('a synchronous standby'),
  priority: z.number().int().min(0).max(1000).default(100).describe('promotion order: priority 1 is tried first'),
  neverPromote: z.boolean().default(false),
}

const dryRun = z.boolean().default(false).describe('print the plan (steps and exact commands), run nothing')

export const engineId = z.enum(['postgres', 'mariadb'])

export const clusterCreateInput = z.object({
  cluster: clusterId,
  engine: engineId.default('postgres').describe('the database: postgres or mariadb'),
  member: memberName.describe('name of the primary member (its application_name)'),
  mode: z.enum(['init', 'adopt']).default('init').describe('init: a new primary; adopt: the PostgreSQL already running there'),
  major: majorVersion.optional().describe('PostgreSQL major version (default: the newest on the host)'),
  syncMethod: z.enum(['ANY', 'FIRST']).default('ANY'),
  syncNum: z.number().int().min(1).max(100).default(1),
  semiSync: z.boolean().default(false).describe('MariaDB: semi-synchronous replication (a commit waits for one replica\'s acknowledgement)'),
  ...memberPlacement,
  dryRun,
})
export type ClusterCreateInput = z.input<typeof clusterCreateInput>

export const replicaAddInput = z.object({
  cluster: clusterId,
  name: memberName.describe('name of the new member (its application_name)'),
  ...memberPlacement,
  overwrite: z.boolean().default(false).describe('empty a non-empty data dir that is a stale copy of this cluster (confirmed)'),
  overwriteUnrelated: z.boolean().default(false).describe('with --overwrite: empty it even though it is NOT a copy of this cluster (a second confirmation; the plan shows what and how much)'),
  dryRun,
})
export type ReplicaAddInput = z.input<typeof replicaAddInput>

export const replicaRemoveInput = z.object({
  cluster: clusterId,
  name: memberName,
  deleteData: z.boolean().default(false).describe("delete the member's data dir (confirmed)"),
  dryRun,
})

const yes = z.boolean().default(false).describe('run without asking (the CLI asks on a terminal; the UI shows the plan first)')

/** Switchover and failover: the cluster, and optionally who takes over. */
const roleChangeInput = (toDefault: string) =>
  z.object({ cluster: clusterId, to: memberName.optional().describe(`the member to promote (default: ${toDefault})`), dryRun, yes })

export const switchoverInput = roleChangeInput('the best candidate: caught up; synchronous first, then priority 1 is tried first')
export type SwitchoverInput = z.input<typeof switchoverInput>

export const failoverInput = roleChangeInput('the one with the most WAL received; on a tie priority 1 is tried first')
export type FailoverInput = z.input<typeof failoverInput>

export const rejoinInput = z.object({
  cluster: clusterId,
  member: memberName.describe('the member to bring back as a replica'),
  rebuild: z.boolean().default(false).describe('copy it afresh from the primary (its data dir is replaced) instead of pg_rewind'),
  dryRun,
  yes,
})
export type RejoinInput = z.input<typeof rejoinInput>

export const fenceInput = z.object({
  cluster: clusterId,
  member: memberName.describe('the member to stop and keep from starting as a primary'),
  dryRun,
  yes,
})
export type FenceInput = z.input<typeof fenceInput>

/**
 * Redundancy settings: what is given changes, the rest stays. Cluster-wide settings, and one
 * member's own (`member` with --sync, --priority, --never-promote).
 */
export const settingsInput = z.object({
  cluster: clusterId,
  syncMethod: z.enum(['ANY', 'FIRST']).optional().describe('ANY k: a quorum of the synchronous replicas; FIRST k: the first k by priority'),
  syncNum: z.number().int().min(1).max(100).optional().describe('k: how many synchronous replicas confirm each commit'),
  synchronousCommit: synchronousCommit.optional().describe('on (flushed there), remote_write (received there), remote_apply (visible there)'),
  maxLagBytes: z.number().int().min(0).max(2 ** 50).optional().describe('failover and switchover refuse a replica further behind (bytes)'),
  slotWalCap: walSize.or(z.literal('-1')).optional().describe('max_slot_wal_keep_size: WAL one slot may hold on the primary, e.g. 10GB (-1: no cap)'),
  maxWalSenders: z.number().int().min(2).max(1000).optional().describe('max_wal_senders (restart-only; raising only: standbys one at a time, the primary with --restart-primary)'),
  maxReplicationSlots: z.number().int().min(2).max(1000).optional().describe('max_replication_slots (restart-only, like max_wal_senders)'),
  walKeepSize: walSize.optional().describe('wal_keep_size: WAL the primary keeps for replicas that fall behind, e.g. 1GB'),
  desiredReplicas: z.number().int().min(0).max(31).optional().describe('how many replicas you want: raising adds them (hosts of another failure domain first), lowering removes the least useful; the plan names each'),
  replicas: z.number().int().min(0).max(31).optional().describe('the same as --desired-replicas'),
  serviceAddress: z.string().regex(/^((\d{1,3}\.){3}\d{1,3}(\/\d{1,2})?|none)$/, 'An IPv4 address, optionally with a prefix: 192.168.1.50 or 192.168.1.50/24 (none removes it)').nullable().optional().describe('a free IPv4 address on the members\' LAN that always belongs to the primary (none removes it)'),
  notifyUrl: notifyUrl.or(z.literal('none')).nullable().optional().describe('called when the health verdict gets worse: an ntfy topic URL or a JSON webhook (none removes it)'),
  member: memberName.optional().describe('the member whose own settings change'),
  sync: z.boolean().optional().describe('with --member: a synchronous replica'),
  priority: z.number().int().min(0).max(1000).optional().describe('with --member: promotion priority (priority 1 is tried first)'),
  neverPromote: z.boolean().optional().describe('with --member: never promote it'),
  /** Several members at once (the Redundancy panel); the CLI names one with --member. */
  memberSettings: z.array(z.object({ name: memberName, sync: z.boolean().optional(), priority: z.number().int().min(0).max(1000).optional(), neverPromote: z.boolean().optional() }).strict()).max(32).optional(),
  ttl: z.number().int().min(5).max(300).optional().describe('automatic failover (Patroni): seconds before a silent primary\'s leader key expires and a replica may take over'),
  loopWait: z.number().int().min(1).max(60).optional().describe('automatic failover (Patroni): seconds between its checks of each member'),
  retryTimeout: z.number().int().min(1).max(120).optional().describe('automatic failover (Patroni): seconds it retries etcd and PostgreSQL before it gives up (a network blip shorter than this changes nothing)'),
  semiSync: z.boolean().optional().describe('MariaDB: semi-synchronous replication on or off (a commit waits for one semi-sync replica\'s acknowledgement; mark replicas with --member NAME --sync)'),
  lostSync: z.enum(['strict', 'available']).optional().describe('every synchronous replica gone: strict (writes wait, nothing acknowledged is lost) or available (a running ReplicaDesk relaxes the setting after --relax-after-s seconds and restores it later)'),
  relaxAfterS: z.number().int().min(1).max(3600).optional().describe('with --lost-sync available: seconds without a synchronous replica before relaxing'),
  restartPrimary: z.boolean().default(false).describe('restart-only settings (max_wal_senders, max_replication_slots, a new service address): restart the primary too, through a switchover'),
  switchBack: z.boolean().default(true).describe('with --restart-primary: switch back to the old primary afterwards'),
  adopt: z.boolean().default(false).describe("drift: take the primary's running values into the record, then make every member match"),
  blockWrites: z.boolean().default(false).describe('confirm a setting that makes writes wait now (more synchronous replicas required than stream)'),
  dryRun,
  yes,
})
export type SettingsInput = z.input<typeof settingsInput>

/** Automatic failover: on hands the cluster over to Patroni + etcd, off takes it back. */
export const automaticInput = z.object({
  cluster: clusterId,
  on: z.boolean().optional().describe('hand the cluster over to Patroni + etcd (failover without a click)'),
  off: z.boolean().optional().describe('take it back from Patroni: ReplicaDesk manages it again (PostgreSQL keeps running)'),
  adopt: hostName.optional().describe('adopt a Patroni cluster that runs already: the host record of one of its members (nothing on the servers changes; the cluster name is the new record\'s)'),
  restApiPort: pgPort.optional().describe('with --adopt: the port of Patroni\'s REST API (default 8008)'),
  keepEtcd: z.boolean().optional().describe('with --off: leave etcd running on its voters (this cluster\'s keys are deleted all the same)'),
  dryRun,
  yes,
})
export type AutomaticInput = z.input<typeof automaticInput>
