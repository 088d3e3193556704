// The MariaDB write probe (test code): e2e/probe's run (run.ts: watcher, writer, stop, read-back)
// over MariaDB's part (probe-engine.ts): unique ids every 20 ms into whichever member is
// writable, each recorded acknowledged / failed / uncertain, then read back on the final primary
// and judged by e2e/probe's analyse (lost, phantoms, uncertain present, longest gap, first ack
// per member, overlaps of writable spans).
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
import { describeReport, overlaps, type Overlap, type Report } from '../../probe/analyse'
import { ProbeRun, type ProbeCounts, type WriteProbeOptions } from '../../probe/run'
import type { Attempt, Span } from '../../probe/types'
import type { ProbeConnection } from './probe-connect'
import { mariaProbeEngine } from './probe-engine'

export { setupMariaProbe, labMariaSql, type MariaProbeAccess, type MariaProbeMember, type MariaProbeSetupOptions, type RunMariaSql } from './probe-setup'
export { classifyMariaError, ER_OPTION_PREVENTS_STATEMENT } from './probe-outcome'
export { PROBE_DATABASE, PROBE_TABLE, PROBE_USER } from './probe-connect'

/** The options of e2e/probe's WriteProbe (run.ts), with the same defaults. */
export type MariaProbeOptions = WriteProbeOptions

export interface MariaProbeStats extends ProbeCounts {
  /** Times a refused or lost write moved the writer off a member. */
  movedOn: number
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

export class MariaWriteProbe extends ProbeRun<ProbeConnection> {
  private constructor(o: MariaProbeOptions) {
    super(o, mariaProbeEngine)
  }

  /** Starts watching, waits for a first answer from every member, opens a warm connection per member, then writes. */
  static async start(o: MariaProbeOptions): Promise<MariaWriteProbe> {
    const p = new MariaWriteProbe(o)
    await p.begin()
    return p
  }

  stats(): MariaProbeStats {
    return { ...this.counts(), movedOn: this.writer.movedOn }
  }

  /** Reads this run's ids on `finalMember` (as rdprobe over TCP) and judges the run. Call after
   *  stop(), or in-flight writes count as pending. */
  async analyse(finalMember: string, opts: { bucketMs?: number; ackWindowMs?: number } = {}): Promise<MariaReport> {
    const report = await this.readBack('analyse', finalMember, opts.bucketMs)
    return { ...report, ackOverlaps: overlaps(ackSpans(this.writer.attempts, opts.ackWindowMs ?? 200)) }
  }
}

/** e2e/probe's paragraph plus the acknowledgement overlaps. */
export function describeMariaReport(r: MariaReport): string {
  const first = r.ackOverlaps[0]
  return `${describeReport(r)}\nack overlaps ${r.ackOverlaps.length}${first ? ` (first ${first.members.join('+')})` : ''}`
}
