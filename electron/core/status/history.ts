// Lag over time for the charts: a fixed-size ring per cluster, one row per tick, one column
// per member for lag bytes and lag seconds. Typed arrays (NaN = unknown) keep it compact and
// free of per-sample objects: 3 × 8 bytes × capacity per member plus 8 × capacity for time.
import type { StatusHistory } from '../../../shared/status'

export class HistoryRing {
  readonly capacity: number
  private readonly t: Float64Array
  private readonly bytes: Float64Array[]
  private readonly seconds: Float64Array[]
  private next = 0
  private count = 0

  constructor(readonly members: readonly string[], capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error('history capacity must be a positive integer')
    this.capacity = capacity
    this.t = new Float64Array(capacity)
    this.bytes = members.map(() => new Float64Array(capacity))
    this.seconds = members.map(() => new Float64Array(capacity))
  }

  get size(): number {
    return this.count
  }

  /** Bytes held by the ring's arrays. */
  get byteLength(): number {
    return this.t.byteLength + this.bytes.reduce((n, a) => n + a.byteLength, 0) + this.seconds.reduce((n, a) => n + a.byteLength, 0)
  }

  /** One row: the sample time and each member's lag (same order as `members`; null = unknown). */
  push(atMs: number, lagBytes: readonly (number | null)[], lagSeconds: readonly (number | null)[]): void {
    const i = this.next
    this.t[i] = atMs
    for (let m = 0; m < this.members.length; m++) {
      this.bytes[m]![i] = lagBytes[m] ?? NaN
      this.seconds[m]![i] = lagSeconds[m] ?? NaN
    }
    this.next = (i + 1) % this.capacity
    if (this.count < this.capacity) this.count++
  }

  /** Rows newer than `sinceMs` (all when omitted), oldest first, as the contract's columns. */
  read(cluster: string, periodMs: number, sinceMs = -Infinity): StatusHistory {
    const start = (this.next - this.count + this.capacity) % this.capacity
    const idx: number[] = []
    for (let k = 0; k < this.count; k++) {
      const i = (start + k) % this.capacity
      if (this.t[i]! > sinceMs) idx.push(i)
    }
    const col = (a: Float64Array) => idx.map((i) => (Number.isNaN(a[i]!) ? null : a[i]!))
    return {
      cluster,
      periodMs,
      t: idx.map((i) => this.t[i]!),
      members: this.members.map((name, m) => ({ name, lagBytes: col(this.bytes[m]!), lagSeconds: col(this.seconds[m]!) })),
    }
  }
}

/** Rows needed to hold `seconds` of history at one row per `periodMs`. */
export const capacityFor = (seconds: number, periodMs: number) => Math.ceil((seconds * 1000) / periodMs) + 1
