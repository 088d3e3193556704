// What the status collector needs to know about a cluster, and its settings. Only the pieces
// that reach a member's server: no dependency on an engine's cluster model (membersFrom maps it).
import type { Target } from '../ssh'

export interface StatusMemberInput {
  /** Member name: application_name on the primary, default slot rd_<name>. */
  name: string
  /** Host record name, shown in the UI and in messages. */
  host: string
  /** The SSH target of that host (resolved by the caller, jump hosts included). */
  target: Target
  port: number
  /** unix_socket_directories of the server (default /var/run/postgresql). */
  socketDir?: string
  /** For the disk figure; read from the server (data_directory) when not given. */
  dataDir?: string
  /** Where the other members reach this one (their primary_conninfo host), to name upstreams. */
  address?: string
}

export interface StatusClusterInput {
  id: string
  members: StatusMemberInput[]
}

export interface CollectorOptions {
  /** Poll period (default 1000 ms, at least 100). */
  periodMs?: number
  /** df period (default 30 s). */
  diskPeriodMs?: number
  /** Heartbeat event period (default 5 s). */
  heartbeatMs?: number
  /** History kept (default 900 s: 15 minutes). */
  historySeconds?: number
  /** Server-side statement_timeout of the poll (default: the period, at least 500 ms). */
  statementTimeoutMs?: number
  /**
   * A poll without an answer after this long marks the member down (`timeout`); the session is
   * kept, so a late answer brings it back at once (default 0.8 × period, at least 500 ms: a
   * hung server shows down within period + this, 1.8 s at 1 s).
   */
  answerTimeoutMs?: number
  /** A poll still unanswered after this long: the session is dropped and reopened (default max(3 × period, 3000)). */
  reopenAfterMs?: number
  /** SSH connect + channel + PostgreSQL login (default 5 s). */
  connectTimeoutMs?: number
  /** Minimum time between writes of the last primary position (default 5 s). */
  positionWriteMs?: number
}

export const DEFAULT_SOCKET_DIR = '/var/run/postgresql'

export const socketPathOf = (m: Pick<StatusMemberInput, 'socketDir' | 'port'>) => `${(m.socketDir ?? DEFAULT_SOCKET_DIR).replace(/\/+$/, '')}/.s.PGSQL.${m.port}`

/** The members of an engine's cluster description (any object with these fields). */
export function membersFrom(
  cluster: { id: string; members: readonly { name: string; host: string; port: number; socketDir?: string; dataDir?: string; address?: string }[] },
  targetOf: (host: string) => Target,
): StatusClusterInput {
  return {
    id: cluster.id,
    members: cluster.members.map((m) => ({ name: m.name, host: m.host, target: targetOf(m.host), port: m.port, socketDir: m.socketDir, dataDir: m.dataDir, address: m.address })),
  }
}
