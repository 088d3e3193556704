// Every remote command ReplicaDesk runs, for the user to read: kept in a bounded ring in
// memory, appended as JSON lines to a bounded file in the data dir, and pushed to listeners.
// Callers pass argv already redacted; stdin is never part of an entry. What the core does on
// its own (the fence watcher) is a notice: an entry of the same shape whose host is
// NOTICE_HOST and whose argv is [source, message], exit 0 when done, the error's code when not.
import { randomUUID } from 'node:crypto'
import { constants } from 'node:fs'
import { appendFile, mkdir, open, rename, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { z } from 'zod'
import { toErrorData } from '../../../shared/errors'
import { activityEntry as activityEntrySchema } from '../../../shared/ssh'

// The schema lives in the contract (shared/ssh.ts): the same entry is an event and a reply.
type ActivityEntry = z.infer<typeof activityEntrySchema>
export type ActivityInput = Omit<ActivityEntry, 'id'>

/** The host column of a notice: this instance, not a server. */
const NOTICE_HOST = 'replicadesk'

interface ActivityLogOptions {
  dataDir: string
  fileName?: string
  /** Entries kept in memory (default 1000). */
  ringSize?: number
  /** The file is rotated to `<name>.1` past this size (default 5 MB); one old file is kept. */
  maxFileBytes?: number
}

type ActivityListener = (entry: ActivityEntry) => void

export class ActivityLog {
  readonly file: string
  private readonly ring: ActivityEntry[] = []
  private readonly ringSize: number
  private readonly maxFileBytes: number
  private readonly listeners = new Set<ActivityListener>()
  private writes: Promise<void> = Promise.resolve()
  private fileBytes: number | undefined
  private writeError: Error | undefined

  constructor(private readonly o: ActivityLogOptions) {
    this.file = join(o.dataDir, o.fileName ?? 'activity.jsonl')
    this.ringSize = o.ringSize ?? 1000
    this.maxFileBytes = o.maxFileBytes ?? 5 * 1024 * 1024
  }

  /** Loads the newest entries of the file into memory (bad lines are skipped). */
  async load(): Promise<void> {
    let text = ''
    try {
      // Non-blocking, and only a regular file: a FIFO in its place must not stall the start.
      const h = await open(this.file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0))
      try {
        const st = await h.stat()
        if (!st.isFile()) throw Object.assign(new Error(`${this.file} is not a regular file`), { code: st.isDirectory() ? 'EISDIR' : 'EINVAL' })
        const { size } = st
        const want = Math.min(size, this.maxFileBytes)
        const buf = Buffer.alloc(want)
        await h.read(buf, 0, want, size - want)
        text = buf.toString('utf8')
      } finally {
        await h.close()
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
    const loaded: ActivityEntry[] = []
    for (const line of text.split('\n')) {
      if (!line.trim()) continue
      try {
        const r = activityEntrySchema.safeParse(JSON.parse(line))
        if (r.success) loaded.push(r.data)
      } catch {
        // a torn last line after a crash: skip it
      }
    }
    this.ring.unshift(...loaded.slice(-this.ringSize))
    this.ring.splice(0, Math.max(0, this.ring.length - this.ringSize))
  }

  /** Records one command; the file write happens in the background, in order. */
  record(input: ActivityInput): ActivityEntry {
    const entry = activityEntrySchema.parse({ ...input, id: randomUUID() })
    this.ring.push(entry)
    if (this.ring.length > this.ringSize) this.ring.splice(0, this.ring.length - this.ringSize)
    this.writes = this.writes.then(() => this.append(entry)).catch((err: Error) => {
      this.writeError = err // reported through flush(); the in-memory log goes on
    })
    for (const l of this.listeners) {
      try {
        l(entry)
      } catch {
        // a listener's bug must not lose the entry for others
      }
    }
    return entry
  }

  /** Records what `source` (a part of the core) did on its own, or could not do (`error`). */
  notice(source: string, message: string, error?: unknown): ActivityEntry {
    const failed = error === undefined ? undefined : toErrorData(error)
    const reason = error instanceof Error ? error.message : failed?.message
    return this.record({
      host: NOTICE_HOST,
      argv: [source, failed ? `${message}: ${reason}` : message],
      startedAt: new Date().toISOString(),
      durationMs: 0,
      exitCode: failed ? null : 0,
      ...(failed && { errorCode: failed.code }),
    })
  }

  /** Newest first. */
  list(opts: { limit?: number; host?: string } = {}): ActivityEntry[] {
    const all = opts.host ? this.ring.filter((e) => e.host === opts.host) : this.ring
    return all.slice(-(opts.limit ?? this.ringSize)).reverse()
  }

  onEntry(listener: ActivityListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Waits for pending writes; throws the last write error, if any. */
  async flush(): Promise<void> {
    await this.writes
    const e = this.writeError
    this.writeError = undefined
    if (e) throw e
  }

  private async append(entry: ActivityEntry): Promise<void> {
    let line = JSON.stringify(entry) + '\n'
    if (this.fileBytes === undefined) {
      await mkdir(this.o.dataDir, { recursive: true, mode: 0o700 })
      this.fileBytes = await stat(this.file).then((s) => s.size, () => 0)
      // After a crash mid-line, start on a fresh line so the next entry stays readable.
      if (this.fileBytes > 0 && (await lastByte(this.file)) !== 0x0a) line = '\n' + line
    }
    if (this.fileBytes + line.length > this.maxFileBytes && this.fileBytes > 0) {
      await rename(this.file, `${this.file}.1`)
      this.fileBytes = 0
    }
    await appendFile(this.file, line, { mode: 0o600 })
    this.fileBytes += Buffer.byteLength(line)
  }
}

async function lastByte(file: string): Promise<number | undefined> {
  const h = await open(file, 'r')
  try {
    const { size } = await h.stat()
    const b = Buffer.alloc(1)
    await h.read(b, 0, 1, size - 1)
    return b[0]
  } finally {
    await h.close()
  }
}
