// Asking the core for a followed cluster's status (status.get, with the events that arrive
// meanwhile replayed on the answer; an answer already behind them asks again, 100 ms doubling
// to 2 s) and its lag history (status.history; not collected yet: asked again later).
import type { ContractClient } from '../../../../shared/client'
import { replay } from '../../status/apply'
import { DEFAULT_WINDOW_SECONDS } from '../../status/history'
import { asAppError } from '../errors'
import { historyDue, setStatus, stopRetry, type Followed } from './followed'

/** Retrying status.get after a reply that was already behind: 100 ms doubling to 2 s. */
const RETRY_FIRST_MS = 100
const RETRY_MAX_MS = 2_000
/** A failed status.history is asked again at most this often (with the next update). */
const HISTORY_RETRY_MS = 10_000

export interface StatusFetcher {
  fetchStatus: (f: Followed) => Promise<void>
  fetchHistory: (f: Followed) => Promise<void>
}

/**
 * @param stillWanted the cluster is still followed by this entry (its answer is not for a released one)
 * @param connected whether the core can be reached now (a retry waits for the next connection otherwise)
 */
export function createStatusFetcher(client: Pick<ContractClient, 'status'>, stillWanted: (f: Followed) => boolean, connected: () => boolean): StatusFetcher {
  async function fetchHistory(f: Followed): Promise<void> {
    const h = f.history
    if (!h) return
    f.historyWanted = false
    try {
      const reply = await client.status.history({ cluster: f.cluster, seconds: DEFAULT_WINDOW_SECONDS })
      if (f.history !== h) return // replaced meanwhile (the members changed)
      h.load(reply)
      f.historyVersion.value++
    } catch {
      // Not collected (yet): the chart starts from the updates that arrive; asked again later.
      if (f.history === h) {
        f.historyWanted = true
        f.historyRetryAt = Date.now() + HISTORY_RETRY_MS
      }
    }
  }

  /** One status.get; the events that arrive meanwhile are kept and replayed on its answer. */
  async function readStatus(f: Followed): Promise<void> {
    f.fetching = true
    f.buffer = []
    f.again = null
    f.loading.value = true
    f.stats.refetches++
    try {
      const fetched = await client.status.get({ cluster: f.cluster })
      const { status, refetch } = replay(fetched, f.buffer)
      setStatus(f, status, Date.parse(status.at))
      f.error.value = null
      if (refetch) f.again ??= refetch
    } catch (err) {
      f.error.value = asAppError(err)
    } finally {
      f.fetching = false
      f.buffer = []
      f.loading.value = false
    }
  }

  async function fetchStatus(f: Followed): Promise<void> {
    if (f.fetching) {
      f.again ??= 'asked again while a fetch was on its way'
      return
    }
    stopRetry(f)
    await readStatus(f)
    if (!stillWanted(f)) return
    if (f.again) {
      // The answer was already behind the events: ask again, a little later each time.
      f.stats.lastWhy = f.again
      const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** f.retries++)
      f.retryTimer = setTimeout(() => {
        f.retryTimer = null
        if (f.refs > 0 && connected()) void fetchStatus(f)
      }, delay)
    } else {
      f.retries = 0
      if (historyDue(f)) void fetchHistory(f)
    }
  }

  return { fetchStatus, fetchHistory }
}
