// One connection per member, asking every ~20 ms whether it takes writes (the engine's
// question, engine.ts). Each member's answers are kept as spans of equal state; the writer
// reads the latest one to pick a target.
import type { EventEmitter } from 'node:events'
import type { ProbeEngine } from './engine'
import type { ProbeMember, Span, Writability } from './types'

export interface WatcherOptions {
  password: string
  intervalMs: number
  connectTimeoutMs: number
  /** A poll without an answer by then counts as unreachable and its socket is dropped. */
  pollTimeoutMs: number
}

class MemberWatch<C extends EventEmitter> {
  readonly spans: Span[] = []
  /** When the poll behind the latest answer was sent. */
  lastAskedAt = -Infinity
  private conn?: C
  private running = true
  private readonly done: Promise<void>

  constructor(
    readonly member: ProbeMember,
    private readonly engine: ProbeEngine<C>,
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
    if (this.conn) this.engine.destroy(this.conn)
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
      this.conn ??= await this.engine.connect(this.member, { password: this.o.password, connectTimeoutMs: this.o.connectTimeoutMs, purpose: 'watch' })
    } catch (err) {
      return ['unreachable', (err as Error).message]
    }
    const conn = this.conn
    let timer: NodeJS.Timeout | undefined
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${this.o.pollTimeoutMs} ms`)), this.o.pollTimeoutMs)
      })
      return await Promise.race([this.engine.ask(conn), timeout])
    } catch (err) {
      // Whatever went wrong, start over with a fresh connection (dropped, never cancelled).
      this.engine.destroy(conn)
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

export class Watcher<C extends EventEmitter> {
  private readonly watches: MemberWatch<C>[]

  constructor(members: ProbeMember[], engine: ProbeEngine<C>, o: WatcherOptions) {
    this.watches = members.map((m) => new MemberWatch(m, engine, o))
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
