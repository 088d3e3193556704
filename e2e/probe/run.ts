// One run of the write probe, whatever the database: a watcher and a writer over the same
// members (defaults below), the stop with bounded waits, the counts, and the read-back that
// turns their records into a Report. WriteProbe (probe.ts, PostgreSQL) and MariaWriteProbe
// (e2e/support/mariadb/probe.ts) add their engine and what they report beyond this.
import type { EventEmitter } from 'node:events'
import { analyse, firstAckAfter, type Report } from './analyse'
import type { ProbeEngine } from './engine'
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

export interface ProbeCounts extends WriterCounters {
  attempted: number
  acknowledged: number
  failed: number
  uncertain: number
  pending: number
  splitTicks: number
  lastAck: Record<string, number>
}

export abstract class ProbeRun<C extends EventEmitter, E extends ProbeEngine<C> = ProbeEngine<C>> {
  readonly ids = new IdSource()
  readonly startedAt = performance.now()
  protected readonly watcher: Watcher<C>
  protected readonly writer: Writer<C>
  private stopped?: Promise<void>

  protected constructor(
    readonly o: WriteProbeOptions,
    protected readonly engine: E,
  ) {
    const interval = o.intervalMs ?? 20
    const connectTimeoutMs = o.connectTimeoutMs ?? 500
    this.watcher = new Watcher(o.members, engine, { password: o.password, intervalMs: o.watchIntervalMs ?? interval, connectTimeoutMs, pollTimeoutMs: o.pollTimeoutMs ?? 500 })
    this.writer = new Writer(o.members, this.watcher, this.ids, engine, {
      password: o.password,
      intervalMs: interval,
      writeTimeoutMs: o.writeTimeoutMs ?? 3000,
      connectTimeoutMs,
      staleMs: o.staleMs ?? Math.max(300, 3 * (o.watchIntervalMs ?? interval)),
      maxInFlight: o.maxInFlightPerMember ?? 8,
    })
  }

  /** Waits for a first answer from every member (at most startTimeoutMs), then starts writing. */
  protected async begin(): Promise<void> {
    const deadline = performance.now() + (this.o.startTimeoutMs ?? 3000)
    while (!this.watcher.seenAll() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5))
    await this.writer.start()
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

  /** Time from t (performance.now()) to the first write acknowledged by `member` after t. */
  firstAckAfter(member: string, t: number) {
    return firstAckAfter(this.writer.attempts, member, t)
  }

  protected counts(): ProbeCounts {
    const a = this.writer.attempts
    const count = (o: Attempt['outcome']) => a.filter((x) => x.outcome === o).length
    const lastAck: Record<string, number> = {}
    for (const x of a) if (x.outcome === 'acknowledged') lastAck[x.member] = Math.max(lastAck[x.member] ?? 0, x.doneAt!)
    return { ...this.writer.counters, attempted: a.length, acknowledged: count('acknowledged'), failed: count('failed'), uncertain: count('uncertain'), pending: count(undefined), splitTicks: this.writer.splits.length, lastAck }
  }

  /** Reads this run's ids on `finalMember` (as the probe user over TCP) and judges the run;
   *  `caller` names the public method in errors. After stop(), or in-flight writes count as pending. */
  protected async readBack(caller: string, finalMember: string, bucketMs?: number): Promise<Report> {
    const m = this.o.members.find((x) => x.name === finalMember)
    if (!m) throw new Error(`${caller}: no member ${finalMember}`)
    const conn = await this.engine.connect(m, { password: this.o.password, connectTimeoutMs: 5000, purpose: 'verify' })
    try {
      const [lo, hi] = this.ids.range()
      const present = await this.engine.readIds(conn, lo, hi)
      return analyse({ finalMember, attempts: this.writer.attempts, present, timelines: this.watcher.timelines(), splits: this.writer.splits, start: this.startedAt, bucketMs })
    } finally {
      await this.engine.close(conn)
    }
  }
}
