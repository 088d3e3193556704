// The MariaDB probe's watcher (test code): one connection per member asking every ~20 ms
// whether the probe user may write there (@@global.read_only off: the probe user has no
// privilege that bypasses it). Each member's answers are kept as spans of equal state
// (e2e/probe/types.ts), which analyse's overlap logic reads; the writer picks its target from
// the latest answers.
import type { ProbeMember, Span, Writability } from '../../probe/types'
import { destroyConnection, openConnection, query, type ProbeConnection } from './probe-connect'

export interface WatchOptions {
  password: string
  intervalMs: number
  connectTimeoutMs: number
  /** A poll without an answer by then counts as unreachable and its socket is dropped. */
  pollTimeoutMs: number
}

class MemberWatch {
  readonly spans: Span[] = []
  /** When the poll behind the latest answer was sent. */
  lastAskedAt = -Infinity
  private conn?: ProbeConnection
  private running = true
  private readonly done: Promise<void>

  constructor(
    readonly member: ProbeMember,
    private readonly o: WatchOptions,
  ) {
    this.done = this.loop()
  }

  get last(): Span | undefined {
    return this.spans[this.spans.length - 1]
  }

  async stop() {
    this.running = false
    await this.done
    if (this.conn) destroyConnection(this.conn)
  }

  private async loop() {
    while (this.running) {
      const asked = performance.now()
      const [state, detail] = await this.poll()
      this.observe(asked, state, detail)
      const wait = this.o.intervalMs - (performance.now() - asked)
      if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    }
  }

  private async poll(): Promise<[Writability, string?]> {
    try {
      this.conn ??= await openConnection(this.member, { password: this.o.password, connectTimeoutMs: this.o.connectTimeoutMs })
    } catch (err) {
      return ['unreachable', (err as Error).message]
    }
    const conn = this.conn
    let timer: NodeJS.Timeout | undefined
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${this.o.pollTimeoutMs} ms`)), this.o.pollTimeoutMs)
      })
      const rows = await Promise.race([query<{ ro: number | string }>(conn, 'SELECT @@global.read_only AS ro'), timeout])
      return String(rows[0]?.ro) === '0' ? ['writable'] : ['not-writable', 'read_only']
    } catch (err) {
      // Whatever went wrong, start over with a fresh connection (dropped, never killed).
      destroyConnection(conn)
      this.conn = undefined
      return ['unreachable', (err as Error).message]
    } finally {
      clearTimeout(timer)
    }
  }

  private observe(asked: number, state: Writability, detail?: string) {
    const at = performance.now()
    this.lastAskedAt = asked
    const last = this.last
    if (last && last.state === state && last.detail === detail) last.to = at
    else this.spans.push({ state, from: at, to: at, ...(detail ? { detail } : {}) })
  }
}

export class MariaWatcher {
  private readonly watches: MemberWatch[]

  constructor(members: ProbeMember[], o: WatchOptions) {
    this.watches = members.map((m) => new MemberWatch(m, o))
  }

  /**
   * Members whose latest answer, at most staleMs old, says writable; a member in `notBefore`
   * only when that answer was asked for after the instant given there (a write it refused).
   */
  writable(now: number, staleMs: number, notBefore: ReadonlyMap<string, number> = new Map()): string[] {
    return this.watches
      .filter((w) => w.last?.state === 'writable' && now - w.last.to <= staleMs && w.lastAskedAt > (notBefore.get(w.member.name) ?? -Infinity))
      .map((w) => w.member.name)
  }

  /** True once every member has answered (or failed to) at least once. */
  seenAll(): boolean {
    return this.watches.every((w) => w.last)
  }

  timelines(): Record<string, Span[]> {
    return Object.fromEntries(this.watches.map((w) => [w.member.name, w.spans.map((s) => ({ ...s }))]))
  }

  async stop() {
    await Promise.all(this.watches.map((w) => w.stop()))
  }
}
