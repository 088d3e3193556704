// The last primary position seen per cluster (primary-positions.json in the data dir), for a
// later failover to judge how much a candidate misses. Written atomically under the data-dir
// lock (another process may record the same cluster), never replacing a later observation
// with an earlier one, and at most every few seconds per cluster, not every poll.
import { join } from 'node:path'
import { z } from 'zod'
import { primaryPosition, type ClusterStatus, type PrimaryPosition } from '../../../shared/status'
import { readDocument, writeDocument, type JsonDocument } from '../store/json-file'
import { withLock } from '../store/lock'

export const storedPosition = primaryPosition.extend({
  /** Last time the primary was seen at this position (later than `at` on an idle cluster). */
  seenAt: z.string(),
})
export type StoredPosition = z.infer<typeof storedPosition>

const FILE = 'primary-positions.json'
const REFRESH_MS = 60_000

export class PositionStore {
  private readonly doc: JsonDocument<Record<string, StoredPosition>>

  constructor(private readonly dataDir: string) {
    this.doc = { file: join(dataDir, FILE), version: 1, schema: z.record(z.string(), storedPosition), empty: () => ({}) }
  }

  get file(): string {
    return this.doc.file
  }

  async all(): Promise<Record<string, StoredPosition>> {
    return readDocument(this.doc)
  }

  async get(cluster: string): Promise<StoredPosition | null> {
    return (await this.all())[cluster] ?? null
  }

  /** Keeps `p` unless the file holds a later observation of the cluster. Returns what is stored. */
  async record(cluster: string, p: StoredPosition): Promise<StoredPosition> {
    return withLock(this.dataDir, 'primary-positions', async () => {
      const all = await readDocument(this.doc)
      const have = all[cluster]
      if (have && Date.parse(have.seenAt) > Date.parse(p.seenAt)) return have
      // The same position seen again keeps the time it was first seen.
      const same = have && have.member === p.member && have.lsn === p.lsn && have.timeline === p.timeline
      const next = same && Date.parse(have.at) < Date.parse(p.at) ? { ...p, at: have.at } : p
      await writeDocument(this.doc, { ...all, [cluster]: next })
      return next
    })
  }
}

/** Throttles one cluster's writes: the latest observation is written at most every `minIntervalMs`. */
export class PositionWriter {
  private pending: StoredPosition | null = null
  private written: StoredPosition | null = null
  private lastWriteMs = -Infinity
  private writing: Promise<void> | null = null
  /** The last write error (the collector keeps running; the next write tries again). */
  lastError: unknown = null

  constructor(
    private readonly store: PositionStore,
    private readonly cluster: string,
    private readonly minIntervalMs: number,
    /** Told once per run of failed writes (the first failure after a success). */
    private readonly onError?: (err: unknown) => void,
  ) {}

  /**
   * A position seen now. Written when the interval passed and it moved since the last write
   * (or, on an idle cluster, once a minute to refresh `seenAt`).
   */
  observe(p: PrimaryPosition, now = Date.now()): void {
    this.pending = { ...p, seenAt: new Date(now).toISOString() }
    const since = now - this.lastWriteMs
    if (!this.writing && since >= this.minIntervalMs && (this.moved() || since >= REFRESH_MS)) void this.flush()
  }

  private moved(): boolean {
    const p = this.pending
    const w = this.written
    return !!p && (!w || p.lsn !== w.lsn || p.member !== w.member || p.timeline !== w.timeline)
  }

  /** Writes the latest observation now (on stop), after any write in progress. */
  async flush(): Promise<void> {
    if (this.writing) await this.writing
    const p = this.pending
    if (!p || (this.written && this.written.seenAt === p.seenAt)) return
    this.lastWriteMs = Date.now()
    this.writing = this.store
      .record(this.cluster, p)
      .then(
        () => {
          this.written = p
          this.lastError = null
        },
        (err) => {
          if (this.lastError === null) this.onError?.(err)
          this.lastError = err
        },
      )
      .finally(() => {
        this.writing = null
      })
    await this.writing
  }
}

/**
 * The last primary position as a live collector knows it (fresher than the file, which is
 * written at most every few seconds), with when the primary was last seen: now while it
 * answers, else when it went down.
 */
export function liveLastPrimary(snapshot: ClusterStatus | null): StoredPosition | null {
  const p = snapshot?.lastPrimary
  if (!snapshot || !p) return null
  const m = snapshot.members.find((x) => x.name === p.member)
  const seenAt = m?.state === 'down' && m.down ? m.down.since : snapshot.at
  return { ...p, seenAt }
}
