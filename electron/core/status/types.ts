// What the status collector is given: a cluster's members (the engine maps its cluster record
// to them, see engines/engine.ts StatusMemberInput) and its settings.
export type { StatusClusterInput, StatusMemberInput } from '../engines/engine'

export interface CollectorOptions {
  /** Poll period (default 1000 ms, at least 100). */
  periodMs?: number
  /** df period (default 30 s). */
  diskPeriodMs?: number
  /** Heartbeat event period (default 5 s). */
  heartbeatMs?: number
  /** History kept (default 900 s: 15 minutes). */
  historySeconds?: number
  /** Server-side time limit of a sample (PostgreSQL: statement_timeout; default: the period, at least 500 ms). */
  statementTimeoutMs?: number
  /**
   * A poll without an answer after this long marks the member down (`timeout`); the session is
   * kept, so a late answer brings it back at once (default 0.8 × period, at least 500 ms: a
   * hung server shows down within period + this, 1.8 s at 1 s).
   */
  answerTimeoutMs?: number
  /** A poll still unanswered after this long: the session is dropped and reopened (default max(3 × period, 3000)). */
  reopenAfterMs?: number
  /** SSH connect + channel + the engine's login (default 5 s). */
  connectTimeoutMs?: number
  /** Minimum time between writes of the last primary position (default 5 s). */
  positionWriteMs?: number
}
