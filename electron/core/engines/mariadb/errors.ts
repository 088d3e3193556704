// Failures of the MariaDB engine, as AppErrors whose message names the host, the member and
// what to do. `detail.reason` carries the precise reason; the code is the closest one
// shared/errors.ts lists ('not_supported' travels as preflight_failed: nothing was changed).
import { AppError, errorCodes, type ErrorCode } from '../../../../shared/errors'

export type MariaFailure = 'preflight_failed' | 'version_mismatch' | 'cluster_state' | 'not_streaming' | 'not_supported' | 'sql_failed'

const known = new Set<string>(errorCodes)
const fallback: Partial<Record<MariaFailure, ErrorCode>> = { not_supported: 'preflight_failed', sql_failed: 'command_failed' }

export function mariaError(reason: MariaFailure, message: string, detail: Record<string, unknown> = {}): AppError {
  const code = (known.has(reason) ? reason : (fallback[reason] ?? 'command_failed')) as ErrorCode
  return new AppError(code, message, { reason, ...detail })
}

/** The engine's reason for an AppError (its code when that is already precise). */
export function reasonOf(err: unknown): string | undefined {
  if (!(err instanceof AppError)) return undefined
  const reason = (err.detail as { reason?: unknown } | undefined)?.reason
  return typeof reason === 'string' ? reason : err.code
}
