// Failures of the MariaDB engine, as AppErrors whose message names the host, the member and
// what to do. `detail.reason` carries the precise reason; the code is the closest one
// shared/errors.ts lists ('not_supported' travels as preflight_failed: nothing was changed).
import type { AppError, ErrorCode } from '../../../../shared/errors'
import { engineError } from '../errors'

export { reasonOf } from '../errors'

export type MariaFailure = 'preflight_failed' | 'version_mismatch' | 'cluster_state' | 'not_streaming' | 'not_supported' | 'sql_failed'

const fallback: Partial<Record<MariaFailure, ErrorCode>> = { not_supported: 'preflight_failed', sql_failed: 'command_failed' }

export function mariaError(reason: MariaFailure, message: string, detail: Record<string, unknown> = {}): AppError {
  return engineError(reason, message, detail, fallback[reason])
}
