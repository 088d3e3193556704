// What every database engine (PostgreSQL now; Redis and MariaDB later) offers the core. A new
// engine is a new folder that implements `Engine`; status/, operations/ and ssh/ stay as they
// are (they import this file, never an engine's own files). An engine:
// - finds what a host has installed and running (detect, the host test's probe);
// - describes every multi-step action on a cluster as an operation for the journaled runner
//   (electron/core/operations): create/adopt, add/remove a replica, switchover, failover,
//   rejoin, fence, apply settings. The methods build definitions and run nothing by themselves;
// - samples each member for live status through a session it opens itself (`StatusSource`);
// - says which redundancy settings it supports (`EngineCapabilities`) and applies them.
// Engines never keep a belief about roles: each step, and each sample, reads the servers.
import type { AutomaticStatus, DiskStatus, DownCode, MemberDown, MemberStatus, ReplicationSlotStatus, ServerLogTail } from '../../../shared/status'
import type { RoleChangeAssessment } from '../../../shared/operations'
import type { OperationDefinition, OperationFactory } from '../operations'
import type { HostProbe, SshService, Target } from '../ssh'

export type EngineId = 'postgres' | 'redis' | 'mariadb'

// ---- detection ---------------------------------------------------------------------------

/** Drift, as every engine reports it (the health verdict shows it). */
export interface SettingsDrift {
  drift: { member: string; setting: string; server: string; wanted: string }[]
  pendingRestart: { member: string; settings: string[] }[]
  unread: string[]
}

export interface InstalledVersion {
  /** "15" */
  major: string
  /** "15.8" as the server binary reports it. */
  version: string
  binDir: string
}

export interface DetectedInstance {
  port: number
  dataDir?: string
  version?: string
  /** primary: accepts writes; replica: follows another server; stopped: configured, not running. */
  role: 'primary' | 'replica' | 'stopped' | 'unknown'
  /** Engine-specific packaging, e.g. PostgreSQL's 'debian' (pg_ctlcluster) or 'plain' (pg_ctl). */
  layout?: string
  /** Engine-specific name of the instance, e.g. the Debian cluster '15/main'. */
  name?: string
  configFile?: string
}

export interface HostDetection {
  host: string
  /** The SSH login user (a monitoring role of that name connects through the Unix socket). */
  loginUser: string
  /** The host's own addresses (no loopback, no link-local). */
  addresses: string[]
  versions: InstalledVersion[]
  instances: DetectedInstance[]
}

// ---- operations --------------------------------------------------------------------------

export interface CreateClusterInput<Cluster> {
  cluster: Cluster
  /** The member that is (adopt) or becomes (init) the primary. */
  primary: string
  mode: 'init' | 'adopt'
  /** Data dirs of the members of the other cluster records: nothing is deleted above, at or below them. */
  knownDataDirs?: { host: string; dataDir: string }[]
}

export interface AddReplicaInput<Cluster> {
  /** The cluster including the new member. */
  cluster: Cluster
  member: string
  /** The user confirmed that the new member's non-empty data dir may be emptied (a stale copy of this cluster). */
  overwrite?: boolean
  /** …and, a second time, that it may be emptied although it is not a copy of this cluster. */
  overwriteUnrelated?: boolean
  knownDataDirs?: { host: string; dataDir: string }[]
}

export interface RemoveReplicaInput<Cluster> {
  /** The cluster still including the member to remove. */
  cluster: Cluster
  member: string
  /** The user confirmed that the member's data dir is deleted. */
  deleteData?: boolean
  knownDataDirs?: { host: string; dataDir: string }[]
}

/** A planned role change: the primary `from` hands over to `to`, nothing acknowledged is lost. */
export interface SwitchoverInput<Cluster> {
  cluster: Cluster
  from: string
  to: string
}

/** Promote `to` while the primary is gone; `from` (when known) is fenced, reached or not. */
export interface FailoverInput<Cluster> {
  cluster: Cluster
  from: string | null
  to: string
  /** What the user confirmed (journaled with the operation). */
  assessment: RoleChangeAssessment
}

/** A former primary or stale member follows the current primary again (`rebuild`: from a fresh copy). */
export interface RejoinInput<Cluster> {
  cluster: Cluster
  member: string
  rebuild?: boolean
  knownDataDirs?: { host: string; dataDir: string }[]
}

/** Stop a member and keep it from coming back as a primary (the way out of a split brain). */
export interface FenceInput<Cluster> {
  cluster: Cluster
  member: string
}

// ---- settings ----------------------------------------------------------------------------

/** The cluster record's redundancy settings applied to every member and read back. */
export interface SettingsInput<Cluster> {
  /** The record with the new settings. */
  cluster: Cluster
  /** The record before: the plan compares with it, abandon puts its values back. */
  previous: Cluster
  /** The user confirmed that writes may wait until enough synchronous replicas stream. */
  blockWrites?: boolean
}

/** The redundancy settings an engine supports, for the UI and the CLI to offer only those. */
export interface EngineCapabilities {
  /** How replicas that confirm commits are chosen (PostgreSQL: ANY k / FIRST k); empty: asynchronous only. */
  syncMethods: readonly ('ANY' | 'FIRST')[]
  /** What a commit may wait for on those replicas, in the engine's words (PostgreSQL: synchronous_commit). */
  commitLevels: readonly string[]
  /** Per-member settings of the cluster record the engine acts on. */
  memberSettings: readonly ('sync' | 'priority' | 'neverPromote')[]
  /** Cluster-wide settings of the cluster record (their names in the engine's schema). */
  clusterSettings: readonly string[]
  /** A stale former primary can follow again without a full copy (PostgreSQL: pg_rewind). */
  rejoinWithoutCopy: boolean
}

// ---- live status -------------------------------------------------------------------------

/** One member as status reads it (the composition root resolves the SSH target). */
export interface StatusMemberInput {
  /** Member name, as the engine names it to the other members (PostgreSQL: application_name). */
  name: string
  /** Host record name, shown in the UI and in messages. */
  host: string
  /** The SSH target of that host (resolved by the caller, jump hosts included). */
  target: Target
  port: number
  /** Directory of the server's Unix socket (each engine has its default). */
  socketDir?: string
  /** The socket itself, for engines whose socket file is not named by the port (MariaDB). */
  socketPath?: string
  /** For the disk figure; the engine's session reads it from the server when not given. */
  dataDir?: string
  /** Where the other members reach this one, to name upstreams. */
  address?: string
  /** The server's own log file, for its last lines when it is found not running. */
  logFile?: string
  /** The OS user the server runs as, when the SSH login is another one (its files are read through `sudo -n -u`). */
  serverUser?: string
}

export interface StatusClusterInput {
  id: string
  members: StatusMemberInput[]
  /** The engine's status source for this cluster; absent: the status service's default source. */
  source?: StatusSource
  /** A cluster handed over to an automatic-failover manager: its view, read on its own period (status/automatic-poller.ts). */
  automatic?: AutomaticStatusSource
}

/** How status reads an automatic-failover manager's view of a cluster (one read at a time). */
export interface AutomaticStatusSource {
  /** The manager and its store, named while nothing was read yet ("Patroni", "etcd"). */
  manager: string
  store: string
  /** Time between the end of one read and the start of the next. */
  periodMs: number
  /** A read unanswered after this long is shown as failed (the next starts once it has ended). */
  timeoutMs: number
  /** Rejects with a sentence naming the host(s) when nothing answered. */
  read(): Promise<AutomaticStatus>
}

/** What a member is called in messages: "db2 on pi2" (user: the login named in access advice). */
export interface Who {
  name: string
  host: string
  user?: string
}

/** Why a member is down: a code the UI switches on, a sentence naming the member and what to do. */
export interface DownReason {
  code: DownCode
  reason: string
  /** How the server's log ends, when the engine found it not running. */
  log?: ServerLogTail
}

/** What the engine is told when it looks at a member that went down (StatusSource.explainDown). */
export interface DownContext<Sample> {
  /** The reason as status read it (the session's end, a refused stream …). */
  down: DownReason
  /** When status first saw it down (this episode). */
  since: string
  /** The data dir as given or read from the server earlier, if known. */
  dataDir?: string
  /** The member's last answered sample. */
  last: Sample | null
  timeoutMs: number
}

/** What an engine's status session may use of the SSH layer. */
export type StatusSsh = Pick<SshService, 'openStreamLocal' | 'exec'>

export interface StatusSessionOptions {
  /** SSH connect + channel + the engine's login (the open fails past it). */
  connectTimeoutMs: number
  /** Server-side time limit of every sample (PostgreSQL: statement_timeout). */
  statementTimeoutMs: number
  /** Ask the SSH layer why a refused stream was refused (one extra command on the host). */
  diagnose?: boolean
}

/**
 * One persistent session to one member. It ends once, for the first reason (the server's
 * goodbye, the channel's close, the SSH connection's loss), told to `onEnd` listeners.
 */
export interface StatusSession<Sample> {
  /** The login the server knows the session by (named in down reasons). */
  readonly user: string
  readonly closed: boolean
  /** One sample: one round trip, one answer. Rejects with the engine's or the SSH layer's error. */
  sample(): Promise<Sample>
  /** The data dir as the server reports it (for the disk figure); undefined when it cannot tell. */
  dataDir(): Promise<string | undefined>
  /** Called once with the first reason the session ended (at once if it has). */
  onEnd(listener: (why: unknown) => void): void
  /** Ends the session, the channel closed after `graceMs` at the latest. Never throws. */
  close(graceMs?: number): Promise<void>
}

/** A member as status last saw it; `sample` is the engine's own, opaque to status. */
export interface MemberView<Sample> {
  name: string
  /** Host record name (shown). */
  host: string
  port: number
  /** Names the member may be reached by from other members (address, host record, SSH address). */
  aliases: readonly string[]
  /** One server = one key (SSH address + the engine's endpoint): two members on one server are not a split brain. */
  instanceKey: string
  state: 'unknown' | 'up' | 'down'
  down: MemberDown | null
  /** Last answered sample (kept while down). */
  sample: Sample | null
  /** The sample is from the current tick (cross-member figures only use fresh samples). */
  fresh: boolean
  disk: DiskStatus | null
}

/** The engine's reading of one tick of a cluster: the contract's member figures. */
export interface DerivedStatus {
  /** In the order of the views; `writable` true only for a member that accepts writes. */
  members: MemberStatus[]
  /** Replication slots on the primary that no member uses. */
  otherSlots: ReplicationSlotStatus[]
  /** Position of the one primary answered this tick, if there is exactly one. */
  position: { member: string; lsn: string; timeline: number | null } | null
}

/**
 * How status reads an engine's members. status/ schedules (never two samples in flight per
 * member), decides down and back, diffs, keeps history and raises the split-brain alarm;
 * the engine opens sessions, samples, and turns samples into figures.
 */
export interface StatusSource<Sample = unknown> {
  /** The server's name in messages: "no answer from PostgreSQL for 1.2 s". */
  readonly serverName: string
  /** Where the member's server listens on its host (PostgreSQL: its Unix socket path). */
  endpoint(member: StatusMemberInput): string
  open(ssh: StatusSsh, member: StatusMemberInput, o: StatusSessionOptions): Promise<StatusSession<Sample>>
  /** Roles, lag, slots and the primary's position from what each member answered (pure). */
  derive(views: readonly MemberView<Sample>[]): DerivedStatus
  /** The engine's reading of an error that is not the SSH layer's (PostgreSQL: SQLSTATE); null: status reads it. */
  downReason(who: Who, err: unknown): DownReason | null
  /**
   * A member went down for a reason a stopped server gives too (session ended, shutting down,
   * refused stream): the engine looks at the host (one bounded command) and says better, e.g.
   * "not running (stopped at …)" with its log; null: the reason stands. Never rejects.
   */
  explainDown?(ssh: StatusSsh, member: StatusMemberInput, c: DownContext<Sample>): Promise<DownReason | null>
}

// ---- the engine --------------------------------------------------------------------------

/**
 * One engine. The methods returning operations do nothing by themselves: hand the definition
 * to the operations service (`plan` for a dry run, `start` to run it). Register `kinds` with
 * the service so interrupted operations can be resumed or abandoned after a restart.
 * `Reading` is what `readPositions` answers per member (role and position, or why not).
 */
export interface Engine<Cluster, Access extends string, Detection extends HostDetection = HostDetection, Reading = unknown> {
  readonly id: EngineId
  readonly title: string
  readonly kinds: Readonly<Record<string, OperationFactory>>
  readonly capabilities: EngineCapabilities
  /** Parses a cluster description from outside (store, IPC) with the engine's schema. */
  parseCluster(input: unknown): Cluster
  /** `access`: how ReplicaDesk acts on the host, e.g. PostgreSQL's 'postgres' (logged in as the
   *  service user) or 'sudo' (an admin login using `sudo -n -u postgres`). */
  detect(host: string, access: Access): Promise<Detection>
  /** Added to the SSH host test (PostgreSQL: `postgresVersions`, the majors installed). */
  readonly hostProbe: HostProbe<object>
  /** Live status: sessions, samples and their figures. */
  readonly status: StatusSource
  /** The members of a cluster as status reads them. */
  statusMembers(cluster: Cluster, targetOf: (host: string) => Target): StatusClusterInput
  createCluster(input: CreateClusterInput<Cluster>): OperationDefinition<unknown>
  addReplica(input: AddReplicaInput<Cluster>): OperationDefinition<unknown>
  removeReplica(input: RemoveReplicaInput<Cluster>): OperationDefinition<unknown>
  switchover(input: SwitchoverInput<Cluster>): OperationDefinition<unknown>
  failover(input: FailoverInput<Cluster>): OperationDefinition<unknown>
  rejoin(input: RejoinInput<Cluster>): OperationDefinition<unknown>
  fence(input: FenceInput<Cluster>): OperationDefinition<unknown>
  applySettings(input: SettingsInput<Cluster>): OperationDefinition<unknown>
  /** Managed settings that differ on a server from the record (drift), and restarts pending. */
  readDrift(cluster: Cluster): Promise<SettingsDrift>
  /** The record with the settings the primary `member` runs with ("adopt the server's value"). */
  adoptSettings(cluster: Cluster, member: string): Promise<Cluster>
  /** Every member's role and position, read now in parallel (failures are answers). */
  readPositions(cluster: Cluster, timeoutMs?: number | ((member: string) => number)): Promise<Reading[]>
  /**
   * A fenced member seen again, outside any operation: read afresh, then stopped and fenced
   * if it accepts writes, fence files written if it is stopped, left alone if it runs as a
   * standby or cannot be read. Says which.
   */
  fenceNow(cluster: Cluster, member: string, upstream: string | null, reason: string): Promise<'fenced' | 'files' | 'left'>
}
