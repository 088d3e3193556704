// How a role change's judgement reads in the UI: the expected data loss as numbers
// ("none (synchronous)", "at least 1.2 MB + up to 4.5 s of writes", "unknown: why") and its
// tone; a MariaDB loss counts transactions (a GTID distance) where PostgreSQL's counts bytes
// ("at least 3 transactions + up to 4.5 s of writes", "none (semi-sync)"). Pure; the core's own
// sentence stays beside the numbers.
import type { DataLoss } from '../../../shared/operations'
import { formatBytes, formatSeconds } from '../status/format'

export type RoleChangeKind = 'switchover' | 'failover' | 'rejoin' | 'fence'

const transactions = (n: number) => `${n} transaction${n === 1 ? '' : 's'}`

/** The loss as the headline shows it, numbers first. */
export function formatLoss(loss: DataLoss, kind: RoleChangeKind = 'failover'): string {
  if (loss.kind === 'none') return kind === 'switchover' ? 'none (clean switchover)' : loss.transactions !== undefined ? 'none (semi-sync)' : 'none (synchronous)'
  if (loss.kind === 'unknown') {
    const why = loss.text.trim().replace(/^unknown\s*[:,-]?\s*/i, '')
    return why ? `unknown: ${why}` : 'unknown'
  }
  const amount = loss.transactions !== undefined ? transactions(loss.transactions) : loss.bytes !== undefined ? formatBytes(loss.bytes) : null
  const seconds = loss.seconds !== undefined ? formatSeconds(loss.seconds) : null
  if (amount && seconds) return `at least ${amount} + up to ${seconds} of writes`
  if (amount) return `at least ${amount}`
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
