// What a statusChanged event does to a followed cluster: kept while status.get is on its way;
// applied (a diff or snapshot that fits: a new copy and a history row); a heartbeat that agrees
// extends the lines to its time; anything that does not fit asks status.get again.
import type { StatusEvent } from '../../../../shared/status'
import { applyEvent } from '../../status/apply'
import type { StatusFetcher } from './fetch'
import { historyDue, setStatus, type Followed } from './followed'

/** Events kept while status.get is on its way (a longer wait asks again anyway). */
const BUFFER_MAX = 200

export function onFollowedEvent(f: Followed, e: StatusEvent, fetcher: StatusFetcher): void {
  f.stats.events++
  if (f.fetching) {
    if (f.buffer.length < BUFFER_MAX) f.buffer.push(e)
    else f.again = 'too many events while status.get was on its way'
    return
  }
  const r = applyEvent(f.status.value, e)
  if (r.kind === 'applied') {
    f.stats.applied++
    setStatus(f, r.status, Date.parse(e.at))
    f.error.value = null // the copy is current again
    if (historyDue(f)) void fetcher.fetchHistory(f)
  } else if (r.kind === 'unchanged') {
    // A heartbeat that agrees: the copy is current, and the lines go on to its time.
    if (e.kind === 'heartbeat') {
      f.error.value = null
      if (f.history && f.status.value && f.history.pushStatus(Date.parse(e.at), f.status.value)) f.historyVersion.value++
    }
  } else {
    f.stats.lastWhy = r.why
    void fetcher.fetchStatus(f)
  }
}
