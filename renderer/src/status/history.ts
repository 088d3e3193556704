// The lag history behind the chart, column-wise like the contract's StatusHistory: one time
// axis, per member a column of lag bytes and one of lag seconds (null = unknown). Loaded from
// status.history, then extended by one row per applied diff or heartbeat, bounded to the
// window the core keeps. Plain arrays, not reactive: the chart reads them when it redraws.
import type { ClusterStatus, StatusHistory } from '../../../shared/status'

export interface LagColumns {
  bytes: (number | null)[]
  seconds: (number | null)[]
}

/** Rows kept by default: 15 minutes at 1 s, as the core's ring. */
export const DEFAULT_WINDOW_SECONDS = 900

export class LagHistory {
  readonly t: number[] = []
  readonly columns = new Map<string, LagColumns>()
  /** Grows with every change: the chart redraws when it moved. */
  version = 0

  constructor(
    readonly names: readonly string[],
    /** Rows kept (the oldest go first). */
    readonly capacity: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error('history capacity must be a positive integer')
    for (const n of names) this.columns.set(n, { bytes: [], seconds: [] })
  }

  static forWindow(names: readonly string[], periodMs: number, seconds = DEFAULT_WINDOW_SECONDS): LagHistory {
    return new LagHistory(names, Math.ceil((seconds * 1000) / Math.max(1, periodMs)) + 1)
  }

  get length(): number {
    return this.t.length
  }

  get lastTime(): number | null {
    return this.t.length ? this.t[this.t.length - 1]! : null
  }

  /** Same member names in the same order. */
  fits(names: readonly string[]): boolean {
    return names.length === this.names.length && names.every((n, i) => n === this.names[i])
  }

  /** One row from a status copy at `atMs` (ignored unless newer than the last row). */
  pushStatus(atMs: number, status: ClusterStatus): boolean {
    if (!Number.isFinite(atMs) || (this.lastTime !== null && atMs <= this.lastTime)) return false
    const byName = new Map(status.members.map((m) => [m.name, m]))
    this.t.push(atMs)
    for (const [name, col] of this.columns) {
      const m = byName.get(name)
      col.bytes.push(m?.lagBytes ?? null)
      col.seconds.push(m?.lagSeconds ?? null)
    }
    this.trim()
    this.version++
    return true
  }

  /**
   * Takes the core's history; rows this copy gathered after the history's last row stay
   * (events that arrived while it was asked). Members the history lacks get nulls.
   */
  load(h: StatusHistory): void {
    const lastLoaded = h.t.length ? h.t[h.t.length - 1]! : -Infinity
    let keepFrom = this.t.findIndex((t) => t > lastLoaded)
    if (keepFrom < 0) keepFrom = this.t.length
    const loaded = new Map(h.members.map((m) => [m.name, m]))
    const own = this.t.slice(keepFrom)
    this.t.length = 0
    this.t.push(...h.t, ...own)
    for (const [name, col] of this.columns) {
      const from = loaded.get(name)
      const keepBytes = col.bytes.slice(keepFrom)
      const keepSeconds = col.seconds.slice(keepFrom)
      col.bytes.length = 0
      col.seconds.length = 0
      col.bytes.push(...(from ? fit(from.lagBytes, h.t.length) : nulls(h.t.length)), ...keepBytes)
      col.seconds.push(...(from ? fit(from.lagSeconds, h.t.length) : nulls(h.t.length)), ...keepSeconds)
    }
    this.trim()
    this.version++
  }

  /** Drops the oldest rows beyond the capacity. */
  private trim(): void {
    if (this.t.length <= this.capacity) return
    const drop = this.t.length - this.capacity
    this.t.splice(0, drop)
    for (const col of this.columns.values()) {
      col.bytes.splice(0, drop)
      col.seconds.splice(0, drop)
    }
  }
}

const nulls = (n: number): null[] => new Array<null>(n).fill(null)

/** A column of exactly n values (a short or long one from a confused server is padded or cut). */
function fit(values: readonly (number | null)[], n: number): (number | null)[] {
  if (values.length === n) return [...values]
  return values.length > n ? values.slice(values.length - n) : [...nulls(n - values.length), ...values]
}
