// What one database lends the write probe: how to connect as the probe user, how to ask "may
// the probe write here", one INSERT and what its ending means, the read-back. The loops, the
// bookkeeping and the timeouts (watcher.ts, writer.ts, run.ts) are the same for every database.
import type { EventEmitter } from 'node:events'
import type { Outcome, ProbeMember, Writability } from './types'

/** What a connection is for (PostgreSQL names its sessions after it). */
export type ProbePurpose = 'watch' | 'write' | 'verify'

export interface EngineConnectOptions {
  password: string
  connectTimeoutMs: number
  purpose: ProbePurpose
}

/** How one INSERT ended. */
export interface InsertEnd {
  outcome: Outcome
  reason?: string
  /** The connection may take the next write. */
  keep: boolean
  /** Refused because the member is read-only (engines that move on leave it at once). */
  refused?: boolean
}

/** A connection emits 'end' and 'error' when it is lost (pg.Client, mysql2's Connection). */
export interface ProbeEngine<C extends EventEmitter> {
  /** Opens a connection as the probe user; rejects when it cannot. */
  connect(m: ProbeMember, o: EngineConnectOptions): Promise<C>
  /** Drops the connection at once: never a cancel or KILL, which could end a wait as a success. */
  destroy(c: C): void
  /** Ends the read-back connection. */
  close(c: C): Promise<void>
  /** The watcher's question (the caller times it out and destroys the connection). */
  ask(c: C): Promise<[Writability, string?]>
  /** One autocommit INSERT of (id, member). Never rejects: an error is an ending. */
  insert(c: C, id: string, member: string): Promise<InsertEnd>
  /** The rows of ids lo..hi (inclusive): id → member that took it. */
  readIds(c: C, lo: string, hi: string): Promise<Map<string, string>>
  /** Open one connection per member before the first write. */
  warmStart: boolean
  /** A write refused (read-only) or lost with its connection or timed out takes its member out
   *  of the writer's view until the watcher has asked it again since. */
  movesOn: boolean
}
