// pg_basebackup --progress without a terminal prints lines such as
//   "229871/229871 kB (100%), 1/1 tablespace"
// to stderr about once a second; this turns its stream into byte counts.

export interface BackupProgress {
  bytesDone: number
  bytesTotal: number
}

const LINE = /(\d+)\/(\d+) kB \((\d+)%\)/

/** Feeds chunks of stderr; calls `onProgress` for each complete progress line. */
export class BasebackupProgressParser {
  private buffer = ''
  private tail: string[] = []
  last: BackupProgress | undefined

  constructor(private readonly onProgress: (p: BackupProgress) => void) {}

  push(chunk: Buffer | string): void {
    this.buffer += chunk.toString()
    const parts = this.buffer.split(/[\r\n]/)
    this.buffer = parts.pop() ?? ''
    for (const line of parts) this.line(line)
    if (this.buffer.length > 64 * 1024) this.buffer = this.buffer.slice(-1024)
  }

  /** The last lines that were not progress (messages and errors), for error reports. */
  messages(): string[] {
    return [...this.tail]
  }

  private line(line: string): void {
    const m = LINE.exec(line)
    if (!m) {
      if (line.trim()) this.tail = [...this.tail, line.trim()].slice(-20)
      return
    }
    const done = Number(m[1]) * 1024
    const total = Math.max(Number(m[2]) * 1024, done)
    this.last = { bytesDone: done, bytesTotal: total }
    this.onProgress(this.last)
  }
}
