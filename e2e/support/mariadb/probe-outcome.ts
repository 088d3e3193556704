// What a MariaDB write's ending means for the data (the probe's classification, pure). Only a
// server error the server raises before anything is committed is "failed": read_only (1290),
// a read-only transaction, duplicate key, privileges, a missing table, syntax, lock wait or
// deadlock (the statement is rolled back). Anything else (a lost connection, a server
// shutting down, a killed statement or connection, our own timeout) may have committed, so it is
// "uncertain". MariaDB has no "success with a warning" for a semi-sync timeout: it falls back
// to asynchronous and answers OK, so an OK is acknowledged.
import type { Outcome } from '../../probe/types'

export const ER_OPTION_PREVENTS_STATEMENT = 1290

/** errno → name of the server errors raised before the commit. */
const BEFORE_COMMIT: Record<number, string> = {
  1044: 'ER_DBACCESS_DENIED_ERROR',
  1045: 'ER_ACCESS_DENIED_ERROR',
  1048: 'ER_BAD_NULL_ERROR',
  1062: 'ER_DUP_ENTRY',
  1064: 'ER_PARSE_ERROR',
  1142: 'ER_TABLEACCESS_DENIED_ERROR',
  1146: 'ER_NO_SUCH_TABLE',
  1205: 'ER_LOCK_WAIT_TIMEOUT',
  1213: 'ER_LOCK_DEADLOCK',
  1227: 'ER_SPECIFIC_ACCESS_DENIED_ERROR',
  [ER_OPTION_PREVENTS_STATEMENT]: 'ER_OPTION_PREVENTS_STATEMENT',
  1792: 'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION',
}

interface MysqlLike {
  errno?: unknown
  code?: unknown
  sqlState?: unknown
  fatal?: unknown
  message?: unknown
}

export function classifyMariaError(err: unknown): { outcome: Exclude<Outcome, 'acknowledged'>; reason: string; readOnly: boolean } {
  const e = (err ?? {}) as MysqlLike
  const message = typeof e.message === 'string' ? e.message : String(err)
  const errno = typeof e.errno === 'number' ? e.errno : undefined
  const code = typeof e.code === 'string' ? e.code : undefined
  const label = [errno, code].filter((x) => x !== undefined).join(' ')
  const reason = label ? `${label} ${message}` : message
  // A server error always carries an SQLSTATE; a fatal one (the connection is gone) never counts as failed.
  const fromServer = errno !== undefined && typeof e.sqlState === 'string' && e.fatal !== true
  if (fromServer && BEFORE_COMMIT[errno]) return { outcome: 'failed', reason, readOnly: errno === ER_OPTION_PREVENTS_STATEMENT || errno === 1792 }
  return { outcome: 'uncertain', reason, readOnly: false }
}

/** The connection cannot be used again after this error. */
export const isFatal = (err: unknown) => (err as MysqlLike | undefined)?.fatal === true || typeof (err as MysqlLike | undefined)?.sqlState !== 'string'
