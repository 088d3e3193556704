// The verdict over time, kept beside the lag history and as long. One entry per change of the
// state, a survival number or the set of findings: the verdict is recomputed on every status
// tick, and a second of the same outcome says nothing new. Bounded in time and in count (a
// flapping finding adds at most one entry per computation).
import type { HealthHistoryEntry, HealthVerdict } from '../../../shared/health'

export interface HistoryLimits {
  /** How long entries are kept (the lag history's horizon). */
  seconds: number
  /** At most this many entries per cluster, whatever their age. */
  maxEntries: number
}

export function entryOf(v: HealthVerdict): HealthHistoryEntry {
  return { at: v.at, state: v.state, noLoss: v.noLoss.failures, writes: v.writes.failures, findings: v.findings.map((f) => f.id).sort() }
}

const sameOutcome = (a: HealthHistoryEntry, b: HealthHistoryEntry) => a.state === b.state && a.noLoss === b.noLoss && a.writes === b.writes && a.findings.join('\n') === b.findings.join('\n')

export class VerdictHistory {
  private entries: HealthHistoryEntry[] = []

  constructor(private readonly limits: HistoryLimits) {
    if (!(limits.seconds > 0) || !(limits.maxEntries >= 1)) throw new Error('verdict history limits must be positive')
  }

  get size(): number {
    return this.entries.length
  }

  add(v: HealthVerdict): void {
    const e = entryOf(v)
    const last = this.entries.at(-1)
    if (last && sameOutcome(last, e)) return
    this.entries.push(e)
    this.prune(Date.parse(e.at))
  }

  /** Entries of the last `seconds`, oldest first, led by the one in force when that window starts (it may be older). */
  read(seconds: number, now = Date.now()): HealthHistoryEntry[] {
    const from = now - seconds * 1000
    const first = this.entries.findIndex((e) => Date.parse(e.at) > from)
    if (first === -1) return this.entries.slice(-1)
    return this.entries.slice(Math.max(0, first - 1))
  }

  private prune(now: number): void {
    // Past the horizon only the newest entry stays: what held when the horizon starts.
    const horizon = now - this.limits.seconds * 1000
    let drop = 0
    while (drop + 1 < this.entries.length && Date.parse(this.entries[drop + 1]!.at) <= horizon) drop++
    drop = Math.max(drop, this.entries.length - this.limits.maxEntries)
    if (drop > 0) this.entries.splice(0, drop)
  }
}
