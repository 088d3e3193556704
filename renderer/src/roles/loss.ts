// How a role change's judgement reads in the UI: the expected data loss as numbers
// ("none (synchronous)", "at least 1.2 MB + up to 4.5 s of writes", "unknown: why") and its
// tone. Pure; the core's own sentence stays beside the numbers.
import type { DataLoss } from '../../../shared/operations'
import { formatBytes, formatSeconds } from '../status/format'

export type RoleChangeKind = 'switchover' | 'failover' | 'rejoin' | 'fence'

/** The loss as the headline shows it, numbers first. */
export function formatLoss(loss: DataLoss, kind: RoleChangeKind = 'failover'): string {
  if (loss.kind === 'none') return kind === 'switchover' ? 'none (clean switchover)' : 'none (synchronous)'
  if (loss.kind === 'unknown') {
    const why = loss.text.trim().replace(/^unknown\s*[:,-]?\s*/i, '')
    return why ? `unknown: ${why}` : 'unknown'
  }
  const bytes = loss.bytes !== undefined ? formatBytes(loss.bytes) : null
  const seconds = loss.seconds !== undefined ? formatSeconds(loss.seconds) : null
  if (bytes && seconds) return `at least ${bytes} + up to ${seconds} of writes`
  if (bytes) return `at least ${bytes}`
  if (seconds) return `up to ${seconds} of writes`
  return loss.text.trim() || 'some writes may be lost'
}

/** Green only when nothing can be lost; anything else is red. */
export const lossTone = (loss: Pick<DataLoss, 'kind'>): 'ok' | 'bad' => (loss.kind === 'none' ? 'ok' : 'bad')

/** The core's own sentence, when it says more than the headline. */
export function lossDetail(loss: DataLoss, kind: RoleChangeKind = 'failover'): string | null {
  const text = loss.text.trim()
  if (!text) return null
  const headline = formatLoss(loss, kind)
  return headline === text || headline.endsWith(text) ? null : text
}
