// Shared shapes of the write probe. Times are performance.now() milliseconds (monotonic);
// wallClock() turns one into an ISO time for messages.

/** A member the probe reaches over TCP from the test machine. */
export interface ProbeMember {
  /** Name used in records and in the rd_probe.member column. */
  name: string
  address: string
  port: number
}

export type Outcome = 'acknowledged' | 'failed' | 'uncertain'

/** One id sent to one member (never re-used, never sent to a second member). */
export interface Attempt {
  id: string
  member: string
  sentAt: number
  doneAt?: number
  /** Undefined while the INSERT is in flight. */
  outcome?: Outcome
  reason?: string
}

export type Writability = 'writable' | 'not-writable' | 'unreachable'

/** Consecutive watcher observations of one state: first and last answer times. */
export interface Span {
  state: Writability
  from: number
  to: number
  detail?: string
}

/** A writer tick that saw more than one writable member and so wrote to none. */
export interface SplitInstant {
  at: number
  members: string[]
}

export const wallClock = (t: number) => new Date(performance.timeOrigin + t).toISOString()
