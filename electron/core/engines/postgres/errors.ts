// Failures of the PostgreSQL engine. Two codes are proposed for shared/errors.ts:
//   preflight_failed  — a pre-flight check refused the operation (nothing was changed)
//   version_mismatch  — a member's PostgreSQL major version differs from the primary's
// Until shared/errors.ts lists them they travel as `command_failed`; `detail.reason` always
// carries the precise one, and `reasonOf` reads it either way.
import { AppError, errorCodes, type ErrorCode } from '../../../../shared/errors'

export type PgFailure = 'preflight_failed' | 'version_mismatch' | 'cluster_state' | 'not_streaming' | 'split_brain'

const known = new Set<string>(errorCodes)

export function pgError(reason: PgFailure, message: string, detail: Record<string, unknown> = {}): AppError {
  const code = (known.has(reason) ? reason : 'command_failed') as ErrorCode
  return new AppError(code, message, { reason, ...detail })
}

/** The engine's reason for an AppError (its code when that is already precise). */
export function reasonOf(err: unknown): string | undefined {
  if (!(err instanceof AppError)) return undefined
  const reason = (err.detail as { reason?: unknown } | undefined)?.reason
  return typeof reason === 'string' ? reason : err.code
}
