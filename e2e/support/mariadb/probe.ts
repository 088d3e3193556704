// The MariaDB write probe (test code), modelled on e2e/probe (PostgreSQL's): unique ids every
// 20 ms into whichever member is writable, each recorded acknowledged / failed / uncertain, then
// read back on the final primary and judged by e2e/probe's analyse (lost, phantoms, uncertain
// present, longest gap, first ack per member, overlaps of writable spans).
//
// API
//   setupMariaProbe({ members: MariaProbeMember[], primary, sql?, lab? }) → MariaProbeAccess
//       { password, members: ProbeMember[], teardown(primary?) }        (probe-setup.ts)
//       rdprobe@'%' with SELECT, INSERT on rd_probe.* only (read_only stops it); table rd_probe.writes.
//   MariaWriteProbe.start({ members: ProbeMember[], password, intervalMs? = 20, writeTimeoutMs? = 3000,
//       connectTimeoutMs? = 500, pollTimeoutMs? = 500, watchIntervalMs?, staleMs?, maxInFlightPerMember? = 8,
//       startTimeoutMs? = 3000 }) → Promise<MariaWriteProbe>
//   probe.stop({ drainMs? }) → Promise<void>         writes in flight end by themselves (≤ writeTimeoutMs)
//   probe.analyse(finalMember, { bucketMs?, ackWindowMs? = 200 }) → Promise<MariaReport>
//       MariaReport = Report (e2e/probe/analyse.ts: lost, phantom, uncertainPresent, longestGap,
//       firstAck, overlaps, splits, …) + ackOverlaps: Overlap[] (two members acknowledging within
//       the same window: runs of a member's acks no more than ackWindowMs apart that meet)
//   probe.stats() → MariaProbeStats   probe.firstAckAfter(member, t) → { ms, id, at } | undefined
//   probe.attempts, probe.splits, probe.timelines()
//   describeMariaReport(r) → string   classifyMariaError(err) (probe-outcome.ts)
//
// What counts: acknowledged = the INSERT (autocommit) returned OK; failed = a server error raised
// before any commit (1290 read_only, …); uncertain = anything else (connection lost, shutdown,
// the probe's own timeout: it then destroys the socket, never KILL QUERY). A write refused by
// read_only or lost with its connection moves the writer to the next writable member at once.
import { analyse, describeReport, firstAckAfter, overlaps, type Overlap, type Report } from '../../probe/analyse'
import { IdSource } from '../../probe/ids'
import type { Attempt, ProbeMember, Span, SplitInstant } from '../../probe/types'
import { destroyConnection, openConnection, PROBE_TABLE, query } from './probe-connect'
import { MariaWatcher } from './probe-watch'
import { MariaWriter, type WriterCounters } from './probe-writer'

export { setupMariaProbe, labMariaSql, type MariaProbeAccess, type MariaProbeMember, type MariaProbeSetupOptions, type RunMariaSql } from './probe-setup'
export { classifyMariaError, ER_OPTION_PREVENTS_STATEMENT } from './probe-outcome'
export { PROBE_DATABASE, PROBE_TABLE, PROBE_USER } from './probe-connect'

export interface MariaProbeOptions {
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

export interface MariaProbeStats extends WriterCounters {
  attempted: number
  acknowledged: number
  failed: number
  uncertain: number
  pending: number
  splitTicks: number
  lastAck: Record<string, number>
}

export interface MariaReport extends Report {
  /** Two members acknowledging within the same window: must be empty. */
  ackOverlaps: Overlap[]
}

/** Each member's acknowledgements as spans: runs of acks no more than windowMs apart. */
export function ackSpans(attempts: readonly Attempt[], windowMs: number): Record<string, Span[]> {
  const out: Record<string, Span[]> = {}
  const acks = attempts.filter((a) => a.outcome === 'acknowledged').sort((a, b) => a.doneAt! - b.doneAt!)
  for (const a of acks) {
    const spans = (out[a.member] ??= [])
    const last = spans[spans.length - 1]
    if (last && a.doneAt! - last.to <= windowMs) last.to = a.doneAt!
    else spans.push({ state: 'writable', from: a.doneAt!, to: a.doneAt! })
  }
  return out
}

export class MariaWriteProbe {
  readonly ids = new IdSource()
  readonly startedAt = performance.now()
  private readonly watcher: MariaWatcher
  private readonly writer: MariaWriter
  private stopped?: Promise<void>

  private constructor(readonly o: MariaProbeOptions) {
    const interval = o.intervalMs ?? 20
    const connectTimeoutMs = o.connectTimeoutMs ?? 500
    this.watcher = new MariaWatcher(o.members, { password: o.password, intervalMs: o.watchIntervalMs ?? interval, connectTimeoutMs, pollTimeoutMs: o.pollTimeoutMs ?? 500 })
    this.writer = new MariaWriter(o.members, this.watcher, this.ids, {
      password: o.password,
      intervalMs: interval,
      writeTimeoutMs: o.writeTimeoutMs ?? 3000,
      connectTimeoutMs,
      staleMs: o.staleMs ?? Math.max(300, 3 * (o.watchIntervalMs ?? interval)),
      maxInFlight: o.maxInFlightPerMember ?? 8,
    })
  }

  /** Starts watching, opens a warm connection per member, waits for a first answer from every member, then writes. */
  static async start(o: MariaProbeOptions): Promise<MariaWriteProbe> {
    const p = new MariaWriteProbe(o)
    const deadline = performance.now() + (o.startTimeoutMs ?? 3000)
    while (!p.watcher.seenAll() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5))
    await p.writer.start()
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

  stats(): MariaProbeStats {
    const a = this.writer.attempts
    const count = (o: Attempt['outcome']) => a.filter((x) => x.outcome === o).length
    const lastAck: Record<string, number> = {}
    for (const x of a) if (x.outcome === 'acknowledged') lastAck[x.member] = Math.max(lastAck[x.member] ?? 0, x.doneAt!)
    return { ...this.writer.counters, attempted: a.length, acknowledged: count('acknowledged'), failed: count('failed'), uncertain: count('uncertain'), pending: count(undefined), splitTicks: this.writer.splits.length, lastAck }
  }

  /** Time from t (performance.now()) to the first write acknowledged by `member` after t. */
  firstAckAfter(member: string, t: number) {
    return firstAckAfter(this.writer.attempts, member, t)
  }

  /** Reads this run's ids on `finalMember` (as rdprobe over TCP) and judges the run. Call after
   *  stop(), or in-flight writes count as pending. */
  async analyse(finalMember: string, opts: { bucketMs?: number; ackWindowMs?: number } = {}): Promise<MariaReport> {
    const m = this.o.members.find((x) => x.name === finalMember)
    if (!m) throw new Error(`analyse: no member ${finalMember}`)
    const conn = await openConnection(m, { password: this.o.password, connectTimeoutMs: 5000 })
    try {
      const [lo, hi] = this.ids.range()
      const rows = await query<{ id: string; member: string }>(conn, `SELECT CAST(id AS CHAR) AS id, member FROM ${PROBE_TABLE} WHERE id BETWEEN ? AND ?`, [lo, hi])
      const present = new Map(rows.map((r) => [String(r.id), r.member]))
      const report = analyse({ finalMember, attempts: this.writer.attempts, present, timelines: this.watcher.timelines(), splits: this.writer.splits, start: this.startedAt, bucketMs: opts.bucketMs })
      return { ...report, ackOverlaps: overlaps(ackSpans(this.writer.attempts, opts.ackWindowMs ?? 200)) }
    } finally {
      destroyConnection(conn)
    }
  }
}

/** e2e/probe's paragraph plus the acknowledgement overlaps. */
export function describeMariaReport(r: MariaReport): string {
  const first = r.ackOverlaps[0]
  return `${describeReport(r)}\nack overlaps ${r.ackOverlaps.length}${first ? ` (first ${first.members.join('+')})` : ''}`
}
