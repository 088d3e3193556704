// What a write's ending means for the data. Only an ERROR from a class that aborts before the
// commit record is "failed"; anything else (FATAL, lost socket, our own timeout) may have
// committed and is "uncertain". A WARNING that a synchronous-replication wait was cancelled
// comes with a *successful* reply although no standby has the row: also "uncertain".
import type { Outcome } from './types'

// 22 data, 23 integrity, 25 transaction state (25006 read-only / recovery), 40 rollback,
// 42 syntax or privilege: all raised before the commit record is written.
const BEFORE_COMMIT = new Set(['22', '23', '25', '40', '42'])

interface PgLike {
  code?: unknown
  severity?: unknown
  message?: unknown
  detail?: unknown
}

export function classifyError(err: unknown): { outcome: Exclude<Outcome, 'acknowledged'>; reason: string } {
  const e = (err ?? {}) as PgLike
  const message = typeof e.message === 'string' ? e.message : String(err)
  const code = typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined
  if (code && e.severity === 'ERROR' && BEFORE_COMMIT.has(code.slice(0, 2))) return { outcome: 'failed', reason: `${code} ${message}` }
  return { outcome: 'uncertain', reason: code ? `${code} ${message}` : message }
}

/** The server's "canceling (the) wait for synchronous replication …" warning. */
export function isSyncCancelWarning(notice: PgLike): boolean {
  if (notice.severity !== 'WARNING') return false
  const text = `${String(notice.message ?? '')} ${String(notice.detail ?? '')}`
  return /synchronous replication/i.test(text) || /committed locally/i.test(text)
}
