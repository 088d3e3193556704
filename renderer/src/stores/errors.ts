import { AppError } from '../../../shared/errors'

/** Anything a store call threw, as an AppError (unknown throws are bugs: `internal`). */
export function asAppError(err: unknown): AppError {
  if (err instanceof AppError) return err
  return new AppError('internal', err instanceof Error ? err.message : String(err))
}
