// A collector's settings with their defaults, derived from the period: how long an answer may
// take before the member shows down, and before its session is given up.
import type { CollectorOptions } from './types'

export type Settings = Required<CollectorOptions>

export function settingsOf(o: CollectorOptions = {}): Settings {
  const periodMs = Math.max(100, Math.round(o.periodMs ?? 1000))
  // A hung server is noticed within period + answer wait (the last answer came just before it
  // hung, the next poll goes out a period later): 1.8 s at 1 s. A slow poll past this only
  // flickers the member down until it answers; the server's statement_timeout is the period.
  const answerTimeoutMs = o.answerTimeoutMs ?? Math.max(500, Math.round(0.8 * periodMs))
  return {
    periodMs,
    diskPeriodMs: o.diskPeriodMs ?? 30_000,
    heartbeatMs: o.heartbeatMs ?? 5000,
    historySeconds: o.historySeconds ?? 900,
    statementTimeoutMs: o.statementTimeoutMs ?? Math.max(500, periodMs),
    answerTimeoutMs,
    reopenAfterMs: Math.max(o.reopenAfterMs ?? Math.max(3 * periodMs, 3000), answerTimeoutMs),
    connectTimeoutMs: o.connectTimeoutMs ?? 5000,
    positionWriteMs: o.positionWriteMs ?? 5000,
  }
}
