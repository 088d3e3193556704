// The PostgreSQL write probe: the shared run (run.ts) over pg-engine.ts, with the read-back
// called verify(). See README.md for how the lab tests use it.
import type pg from 'pg'
import type { Report } from './analyse'
import { pgProbeEngine, type PgProbeEngine } from './pg-engine'
import { ProbeRun, type ProbeCounts, type WriteProbeOptions } from './run'

export type { WriteProbeOptions } from './run'

export interface ProbeStats extends ProbeCounts {
  /** Every WARNING the members sent to the writer (the sync-cancel ones make a write uncertain). */
  warnings: string[]
}

export class WriteProbe extends ProbeRun<pg.Client, PgProbeEngine> {
  private constructor(o: WriteProbeOptions) {
    super(o, pgProbeEngine())
  }

  /** Starts watching, waits for a first answer from every member, then starts writing. */
  static async start(o: WriteProbeOptions): Promise<WriteProbe> {
    const p = new WriteProbe(o)
    await p.begin()
    return p
  }

  stats(): ProbeStats {
    return { ...this.counts(), warnings: [...this.engine.warnings] }
  }

  /** Reads this run's ids on `finalMember` (as rdprobe over TCP) and judges the run. Call
   *  after stop(), or in-flight writes count as pending. */
  verify(finalMember: string, opts: { bucketMs?: number } = {}): Promise<Report> {
    return this.readBack('verify', finalMember, opts.bucketMs)
  }
}
