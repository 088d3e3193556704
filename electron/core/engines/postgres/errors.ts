// Failures of the PostgreSQL engine. Two codes are proposed for shared/errors.ts:
//   preflight_failed  — a pre-flight check refused the operation (nothing was changed)
//   version_mismatch  — a member's PostgreSQL major version differs from the primary's
// Until shared/errors.ts lists them they travel as `command_failed`; `detail.reason` always
// carries the precise one, and `reasonOf` reads it either way.
import type { AppError } from '../../../../shared/errors'
import { engineError } from '../errors'

export { reasonOf } from '../errors'

export type PgFailure = 'preflight_failed' | 'version_mismatch' | 'cluster_state' | 'not_streaming' | 'split_brain'

export function pgError(reason: PgFailure, message: string, detail: Record<string, unknown> = {}): AppError {
  return engineError(reason, message, detail)
}
