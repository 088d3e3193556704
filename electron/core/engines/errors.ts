// Failures of any engine, as AppErrors: `detail.reason` carries the engine's precise reason; the
// code is that reason where shared/errors.ts lists it, else the closest one the engine names
// (command_failed when it names none). Each engine lists its reasons (postgres/errors.ts, …).
import { AppError, errorCodes, type ErrorCode } from '../../../shared/errors'

const known = new Set<string>(errorCodes)

export function engineError(reason: string, message: string, detail: Record<string, unknown> = {}, fallback?: ErrorCode): AppError {
  const code = (known.has(reason) ? reason : (fallback ?? 'command_failed')) as ErrorCode
  return new AppError(code, message, { reason, ...detail })
}

/** The engine's reason for an AppError (its code when that is already precise). */
export function reasonOf(err: unknown): string | undefined {
  if (!(err instanceof AppError)) return undefined
  const reason = (err.detail as { reason?: unknown } | undefined)?.reason
  return typeof reason === 'string' ? reason : err.code
}
