// What the UI and the CLI see of live cluster status: one member's state, a cluster
// snapshot, the diff events that keep a client's copy current, the history behind the lag
// chart, and the split-brain alarm. The core collects it over one database session per
// member (electron/core/status); these shapes are the public part.
import { z } from 'zod'
import { clusterId } from './clusters'

/** A WAL position as PostgreSQL prints it: "16/B374D848". */
export const lsn = z.string().regex(/^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/, 'A WAL position such as 16/B374D848')
const isoTime = z.string()

/**
 * Why a member is down:
 * ssh_unreachable  host dead, cut off, or sshd not answering (from the SSH connection's state)
 * ssh_needs_user   the SSH login needs the user: unknown/changed host key, refused login, shell
 * forwarding_refused  sshd refuses stream-local forwarding (AllowStreamLocalForwarding no)
 * not_running      no server socket on the host: PostgreSQL is stopped (or another port)
 * shutting_down    the server is stopping, starting or restarting after a crash
 * no_access        the login user has no database role / may not connect (pg_hba, socket perms)
 * timeout          the server did not answer in time
 * connection_lost  the database session ended for another reason
 * query_failed     the session is up but the status query failed
 */
export const downCodes = ['ssh_unreachable', 'ssh_needs_user', 'forwarding_refused', 'not_running', 'shutting_down', 'no_access', 'timeout', 'connection_lost', 'query_failed'] as const
export const downCode = z.enum(downCodes)
export type DownCode = z.infer<typeof downCode>

/** The last lines of a server's log (each cut short), read when it was found not running. */
export const serverLogTail = z.object({
  file: z.string(),
  lines: z.array(z.string()),
})
export type ServerLogTail = z.infer<typeof serverLogTail>

export const memberDown = z.object({
  code: downCode,
  /** Says what failed, on which host, and what to do when the user can do something. */
  reason: z.string(),
  /** Since when it has been down (this episode). */
  since: isoTime,
  /** The server is not running: how its log ends (absent when it could not be read). */
  log: serverLogTail.optional(),
})
export type MemberDown = z.infer<typeof memberDown>

/** sync_state of pg_stat_replication on the primary. */
export const syncState = z.enum(['async', 'potential', 'sync', 'quorum'])

export const replicationSlotStatus = z.object({
  name: z.string(),
  active: z.boolean(),
  /** WAL the slot holds back on the primary (current position − restart_lsn); null if unknown. */
  retainedBytes: z.number().nullable(),
  /** reserved | extended | unreserved | lost (PostgreSQL 13+). */
  walStatus: z.string().nullable(),
  /** Bytes left before the slot is lost (max_slot_wal_keep_size); null when unlimited. */
  safeWalSizeBytes: z.number().nullable(),
})
export type ReplicationSlotStatus = z.infer<typeof replicationSlotStatus>

export const diskStatus = z.object({
  path: z.string(),
  freeBytes: z.number(),
  totalBytes: z.number(),
  /** When df ran (disk is read on a slower period than the rest). */
  at: isoTime,
})
export type DiskStatus = z.infer<typeof diskStatus>

/** MariaDB's replication as one member reports it (absent for PostgreSQL members). */
export const gtidStatus = z.object({
  /** gtid_current_pos, gtid_binlog_pos, gtid_slave_pos ("0-1-42,1-2-7"; empty when none). */
  currentPos: z.string(),
  binlogPos: z.string(),
  slavePos: z.string(),
  /** Slave_IO_Running / Slave_SQL_Running ("Yes", "No", "Connecting"); null: no replication configured. */
  ioRunning: z.string().nullable(),
  sqlRunning: z.string().nullable(),
  lastIoError: z.string().nullable(),
  lastSqlError: z.string().nullable(),
  /** Transactions the primary has that this replica has not executed (per-domain GTID distance); 0 for the primary. */
  behindTransactions: z.number().nullable(),
  /** Semi-sync on this member: the primary's master status (on, or off after a fall-back), a replica's slave status. */
  semiSync: z.enum(['on', 'off', 'disabled']).nullable(),
  readOnly: z.boolean(),
})
export type GtidStatus = z.infer<typeof gtidStatus>

export const memberStatus = z.object({
  name: z.string(),
  /** The host record the member runs on. */
  host: z.string(),
  port: z.number().int(),
  /** unknown: not read yet (starting); up: the last poll answered; down: see `down`. */
  state: z.enum(['unknown', 'up', 'down']),
  down: memberDown.nullable(),
  /** The values below are from this member's last answered poll (kept while it is down). */
  stale: z.boolean(),
  role: z.enum(['primary', 'standby']).nullable(),
  /** Accepts writes: not in recovery and transaction_read_only off. */
  writable: z.boolean().nullable(),
  version: z.string().nullable(),
  timeline: z.number().int().nullable(),
  /** pg_current_wal_lsn() (primary only). */
  currentLsn: lsn.nullable(),
  /** pg_last_wal_receive_lsn() / pg_last_wal_replay_lsn() (standbys only). */
  receiveLsn: lsn.nullable(),
  replayLsn: lsn.nullable(),
  /** Primary's current position − this standby's replay position; 0 for the primary. */
  lagBytes: z.number().nullable(),
  /** Replay lag in seconds (0 when caught up, even on an idle cluster). */
  lagSeconds: z.number().nullable(),
  /** The primary's view of this standby's WAL sender: streaming, catchup, startup, backup, stopping. */
  senderState: z.string().nullable(),
  syncState: syncState.nullable(),
  /** Member name (or host:port) this standby receives WAL from. */
  upstream: z.string().nullable(),
  slot: replicationSlotStatus.nullable(),
  disk: diskStatus.nullable(),
  /** pg_postmaster_start_time(); uptime = now − startedAt. */
  startedAt: isoTime.nullable(),
  /** MariaDB members: GTID positions and the replication threads. */
  gtid: gtidStatus.nullable().optional(),
})
export type MemberStatus = z.infer<typeof memberStatus>

/** Two or more members accept writes at once: acknowledged writes may be lost. */
export const splitBrainAlarm = z.object({
  members: z.array(z.string()).min(2),
  since: isoTime,
  message: z.string(),
})
export type SplitBrainAlarm = z.infer<typeof splitBrainAlarm>

/** The last position seen on the primary (pg_current_wal_lsn()), kept in the data dir for failover. */
export const primaryPosition = z.object({
  member: z.string(),
  lsn,
  timeline: z.number().int().nullable(),
  /** When the primary was first seen at this position. */
  at: isoTime,
})
export type PrimaryPosition = z.infer<typeof primaryPosition>

/** A member as the automatic-failover manager (Patroni) sees it, in the manager's own words. */
export const automaticMember = z.object({
  name: z.string(),
  /** Patroni: leader, sync_standby, replica. */
  role: z.string(),
  /** Patroni: running, starting, stopped, … */
  state: z.string(),
  timeline: z.number().int().nullable(),
  /** Bytes behind the leader; null for the leader or when unknown. */
  lagBytes: z.number().nullable(),
  pendingRestart: z.boolean(),
  /** Tagged never to be promoted (Patroni: nofailover). */
  noFailover: z.boolean(),
})
export type AutomaticMember = z.infer<typeof automaticMember>

/** The consensus store's voters (etcd): whose store answers (up), whose does not and why, who leads it, whether it has a majority. */
export const consensusHealth = z.object({
  voters: z.number().int(),
  up: z.array(z.string()),
  down: z.array(z.object({ name: z.string(), error: z.string() })),
  /** The voter that leads the store now, null when none does (no majority) or it is unknown. */
  leader: z.string().nullable(),
  /** A linearizable read succeeded: the store has a majority and a leader now (false for a moment during its elections). */
  quorum: z.boolean(),
})
export type ConsensusHealth = z.infer<typeof consensusHealth>

/**
 * A cluster handed over to an automatic-failover manager (PostgreSQL: Patroni + etcd), as the
 * manager reports it, read on its own slower period beside the members' status.
 */
export const automaticStatus = z.object({
  /** The manager and its store, for the UI's words: "Patroni", "etcd". */
  manager: z.string(),
  store: z.string(),
  /** The host the manager's answer came from; null when none answered. */
  readFrom: z.string().nullable(),
  leader: z.string().nullable(),
  paused: z.boolean(),
  members: z.array(automaticMember),
  consensus: consensusHealth.nullable(),
  /** Why the manager cannot replace a failed primary now, in plain words; null when it can. */
  cannotFailover: z.string().nullable(),
  /** How soon the manager replaces a dead primary with its timings now, in plain words; null/absent when not read. */
  expectedFailover: z.string().nullable().optional(),
  /** The last read failed, and why (the other fields are from the last read that answered). */
  error: z.string().nullable(),
})
export type AutomaticStatus = z.infer<typeof automaticStatus>

export const clusterStatus = z.object({
  cluster: clusterId,
  /** Sequence number of the last event that changed this snapshot. */
  seq: z.number().int().min(0),
  at: isoTime,
  periodMs: z.number().int(),
  /** The one writable member; null when there is none or more than one (see splitBrain). */
  primary: z.string().nullable(),
  splitBrain: splitBrainAlarm.nullable(),
  members: z.array(memberStatus),
  /** Slots on the primary that serve no member: they retain WAL until dropped. */
  otherSlots: z.array(replicationSlotStatus),
  lastPrimary: primaryPosition.nullable(),
  /** Set for a cluster handed over to automatic failover (null until first read); absent otherwise. */
  automatic: automaticStatus.nullable().optional(),
})
export type ClusterStatus = z.infer<typeof clusterStatus>

/** Fields of a cluster snapshot that diffs carry besides the members. */
export const clusterFields = clusterStatus.pick({ primary: true, splitBrain: true, otherSlots: true, lastPrimary: true, automatic: true })
export type ClusterFields = z.infer<typeof clusterFields>

export const memberChange = z.object({
  name: z.string(),
  /** Only the fields that changed, with their new values. */
  changes: memberStatus.partial(),
})

/**
 * statusChanged: a full snapshot when collection starts; then diffs (seq + 1 each) carrying
 * only what changed; and a heartbeat every few seconds with the current seq. A client whose
 * last seq differs from a diff's seq − 1 or a heartbeat's seq asks status.get again.
 */
export const statusEvent = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('snapshot'), cluster: clusterId, seq: z.number().int(), at: isoTime, snapshot: clusterStatus }),
  z.object({
    kind: z.literal('diff'),
    cluster: clusterId,
    seq: z.number().int(),
    at: isoTime,
    members: z.array(memberChange),
    clusterChanges: clusterFields.partial().optional(),
  }),
  z.object({ kind: z.literal('heartbeat'), cluster: clusterId, seq: z.number().int(), at: isoTime }),
])
export type StatusEvent = z.infer<typeof statusEvent>

/** splitBrain: raised when two members are writable at once, and again (active false) when it ends. */
export const splitBrainEvent = z.object({
  cluster: clusterId,
  active: z.boolean(),
  members: z.array(z.string()),
  since: isoTime,
  at: isoTime,
  message: z.string(),
})
export type SplitBrainEvent = z.infer<typeof splitBrainEvent>

/** Lag over time for the chart, column-wise: one time axis, one value array per member (null = unknown). */
export const statusHistory = z.object({
  cluster: clusterId,
  periodMs: z.number().int(),
  /** Sample times, epoch milliseconds, oldest first. */
  t: z.array(z.number()),
  members: z.array(
    z.object({
      name: z.string(),
      lagBytes: z.array(z.number().nullable()),
      lagSeconds: z.array(z.number().nullable()),
    }),
  ),
})
export type StatusHistory = z.infer<typeof statusHistory>

/** Proposed contract inputs. */
export const statusGetInput = z.object({ cluster: clusterId }).strict()
export const statusHistoryInput = z.object({ cluster: clusterId, seconds: z.number().int().min(1).max(24 * 3600).default(900) }).strict()
