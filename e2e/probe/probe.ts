// The write probe: a watcher and a writer over the same members, and the read-back that
// turns their records into a Report. See README.md for how the lab tests use it.
import { destroyClient, openClient, PROBE_TABLE } from './connect'
import { analyse, firstAckAfter, type Report } from './analyse'
import { IdSource } from './ids'
import type { Attempt, ProbeMember, Span, SplitInstant } from './types'
import { Watcher } from './watcher'
import { Writer, type WriterCounters } from './writer'

export interface WriteProbeOptions {
  members: ProbeMember[]
  password: string
  /** Between writes, and between a member's writability polls. Default 20. */
  intervalMs?: number
  /** A write without an answer by then: socket destroyed, write uncertain. Default 3000. */
  writeTimeoutMs?: number
  connectTimeoutMs?: number
  pollTimeoutMs?: number
  /** Poll period of the watcher when it must differ from intervalMs (tests). */
  watchIntervalMs?: number
  staleMs?: number
  maxInFlightPerMember?: number
  /** How long start() waits for every member's first poll. Default 3000. */
  startTimeoutMs?: number
}

export interface ProbeStats extends WriterCounters {
  attempted: number
  acknowledged: number
  failed: number
  uncertain: number
  pending: number
  splitTicks: number
  lastAck: Record<string, number>
}

export class WriteProbe {
  readonly ids = new IdSource()
  readonly startedAt = performance.now()
  private readonly watcher: Watcher
  private readonly writer: Writer
  private stopped?: Promise<void>

  private constructor(readonly o: WriteProbeOptions) {
    const interval = o.intervalMs ?? 20
    const connectTimeoutMs = o.connectTimeoutMs ?? 500
    this.watcher = new Watcher(o.members, { password: o.password, intervalMs: o.watchIntervalMs ?? interval, connectTimeoutMs, pollTimeoutMs: o.pollTimeoutMs ?? 500 })
    this.writer = new Writer(o.members, this.watcher, this.ids, {
      password: o.password,
      intervalMs: interval,
      writeTimeoutMs: o.writeTimeoutMs ?? 3000,
      connectTimeoutMs,
      staleMs: o.staleMs ?? Math.max(300, 3 * (o.watchIntervalMs ?? interval)),
      maxInFlight: o.maxInFlightPerMember ?? 8,
    })
  }

  /** Starts watching, waits for a first answer from every member, then starts writing. */
  static async start(o: WriteProbeOptions): Promise<WriteProbe> {
    const p = new WriteProbe(o)
    const deadline = performance.now() + (o.startTimeoutMs ?? 3000)
    while (!p.watcher.seenAll() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5))
    p.writer.start()
    return p
  }

  /** Stops writing and watching. Writes in flight end by themselves (at most writeTimeoutMs),
   *  or after drainMs their sockets are destroyed and they count as uncertain. */
  stop(opts: { drainMs?: number } = {}): Promise<void> {
    this.stopped ??= (async () => {
      await this.writer.stop(opts.drainMs)
      await this.watcher.stop()
    })()
    return this.stopped
  }

  get attempts(): readonly Attempt[] {
    return this.writer.attempts
  }

  get splits(): readonly SplitInstant[] {
    return this.writer.splits
  }

  timelines(): Record<string, Span[]> {
    return this.watcher.timelines()
  }

  stats(): ProbeStats {
    const a = this.writer.attempts
    const count = (o: Attempt['outcome']) => a.filter((x) => x.outcome === o).length
    const lastAck: Record<string, number> = {}
    for (const x of a) if (x.outcome === 'acknowledged') lastAck[x.member] = Math.max(lastAck[x.member] ?? 0, x.doneAt!)
    const c = this.writer.counters
    return { ...c, warnings: [...c.warnings], attempted: a.length, acknowledged: count('acknowledged'), failed: count('failed'), uncertain: count('uncertain'), pending: count(undefined), splitTicks: this.writer.splits.length, lastAck }
  }

  /** Time from t (performance.now()) to the first write acknowledged by `member` after t. */
  firstAckAfter(member: string, t: number) {
    return firstAckAfter(this.writer.attempts, member, t)
  }

  /** Reads this run's ids on `finalMember` (as rdprobe over TCP) and judges the run. Call
   *  after stop(), or in-flight writes count as pending. */
  async verify(finalMember: string, opts: { bucketMs?: number } = {}): Promise<Report> {
    const m = this.o.members.find((x) => x.name === finalMember)
    if (!m) throw new Error(`verify: no member ${finalMember}`)
    const client = await openClient(m, { password: this.o.password, connectTimeoutMs: 5000, applicationName: 'rd-probe-verify' })
    try {
      const [lo, hi] = this.ids.range()
      const r = await client.query<{ id: string; member: string }>(`SELECT id::text AS id, member FROM ${PROBE_TABLE} WHERE id BETWEEN $1 AND $2`, [lo, hi])
      const present = new Map(r.rows.map((row) => [row.id, row.member]))
      return analyse({ finalMember, attempts: this.writer.attempts, present, timelines: this.watcher.timelines(), splits: this.writer.splits, start: this.startedAt, bucketMs: opts.bucketMs })
    } finally {
      await client.end().catch(() => destroyClient(client))
    }
  }
}
