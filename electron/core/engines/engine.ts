// What every database engine (PostgreSQL now; Redis and MariaDB later) offers the core: find
// what is installed and running on a host, and describe the multi-step actions on a cluster as
// operations for the journaled runner (electron/core/operations). Engines never keep a belief
// about roles: each step reads the servers when it runs.
import type { OperationDefinition, OperationFactory } from '../operations'

export type EngineId = 'postgres' | 'redis' | 'mariadb'

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

/**
 * One engine. The methods returning operations do nothing by themselves: hand the definition
 * to the operations service (`plan` for a dry run, `start` to run it). Register `kinds` with
 * the service so interrupted operations can be resumed or abandoned after a restart.
 * Planned next: status, promote, follow, rejoin, apply settings.
 */
export interface Engine<Cluster, Access extends string, Detection extends HostDetection = HostDetection> {
  readonly id: EngineId
  readonly title: string
  readonly kinds: Readonly<Record<string, OperationFactory>>
  /** Parses a cluster description from outside (store, IPC) with the engine's schema. */
  parseCluster(input: unknown): Cluster
  /** `access`: how ReplicaDesk acts on the host, e.g. PostgreSQL's 'postgres' (logged in as the
   *  service user) or 'sudo' (an admin login using `sudo -n -u postgres`). */
  detect(host: string, access: Access): Promise<Detection>
  createCluster(input: CreateClusterInput<Cluster>): OperationDefinition<unknown>
  addReplica(input: AddReplicaInput<Cluster>): OperationDefinition<unknown>
  removeReplica(input: RemoveReplicaInput<Cluster>): OperationDefinition<unknown>
}
