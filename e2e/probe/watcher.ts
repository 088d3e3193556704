// One connection per member, asking every ~20 ms whether it takes writes. Each member's
// answers are kept as spans of equal state; the writer reads the latest one to pick a target.
import type pg from 'pg'
import { destroyClient, openClient } from './connect'
import type { ProbeMember, Span, Writability } from './types'

export interface WatcherOptions {
  password: string
  intervalMs: number
  connectTimeoutMs: number
  /** A poll without an answer by then counts as unreachable and its socket is dropped. */
  pollTimeoutMs: number
}

const QUERY = "SELECT pg_is_in_recovery() AS recovery, current_setting('transaction_read_only') AS ro"

class MemberWatch {
  readonly spans: Span[] = []
  private client?: pg.Client
  private running = true
  private done: Promise<void>

  constructor(
    readonly member: ProbeMember,
    private readonly o: WatcherOptions,
  ) {
    this.done = this.loop()
  }

  get last(): Span | undefined {
    return this.spans[this.spans.length - 1]
  }

  async stop() {
    this.running = false
    await this.done
    if (this.client) destroyClient(this.client)
  }

  private async loop() {
    while (this.running) {
      const started = performance.now()
      const [state, detail] = await this.poll()
      this.observe(state, detail)
      const wait = this.o.intervalMs - (performance.now() - started)
      if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    }
  }

  private async poll(): Promise<[Writability, string?]> {
    try {
      this.client ??= await openClient(this.member, { password: this.o.password, connectTimeoutMs: this.o.connectTimeoutMs, applicationName: 'rd-probe-watch' })
    } catch (err) {
      return ['unreachable', (err as Error).message]
    }
    const client = this.client
    let timer: NodeJS.Timeout | undefined
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${this.o.pollTimeoutMs} ms`)), this.o.pollTimeoutMs)
      })
      const r = await Promise.race([client.query<{ recovery: boolean; ro: string }>(QUERY), timeout])
      const row = r.rows[0]!
      if (row.recovery) return ['not-writable', 'in recovery']
      if (row.ro !== 'off') return ['not-writable', 'transaction_read_only']
      return ['writable']
    } catch (err) {
      // Whatever went wrong, start over with a fresh connection (dropped, never cancelled).
      destroyClient(client)
      this.client = undefined
      return ['unreachable', (err as Error).message]
    } finally {
      clearTimeout(timer)
    }
  }

  private observe(state: Writability, detail?: string) {
    const at = performance.now()
    const last = this.last
    if (last && last.state === state && last.detail === detail) last.to = at
    else this.spans.push({ state, from: at, to: at, ...(detail ? { detail } : {}) })
  }
}

export class Watcher {
  private readonly watches: MemberWatch[]

  constructor(members: ProbeMember[], o: WatcherOptions) {
    this.watches = members.map((m) => new MemberWatch(m, o))
  }

  /** Members whose latest answer, at most staleMs old, says writable. */
  writable(now: number, staleMs: number): string[] {
    return this.watches.filter((w) => w.last?.state === 'writable' && now - w.last.to <= staleMs).map((w) => w.member.name)
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
