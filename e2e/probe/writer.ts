// Every tick, one INSERT of a fresh id into the one member the watcher sees writable. Writes
// run concurrently (a bounded pool per member), so a member that hangs does not stop writes
// to the next primary. What an ending means is the engine's (engine.ts); on its own timeout
// the writer destroys the connection and records "uncertain" (never a cancel).
import type { EventEmitter } from 'node:events'
import type { ProbeEngine } from './engine'
import type { IdSource } from './ids'
import type { Attempt, Outcome, ProbeMember, SplitInstant } from './types'
import type { Watcher } from './watcher'

export interface WriterOptions {
  password: string
  intervalMs: number
  writeTimeoutMs: number
  connectTimeoutMs: number
  /** A writable view older than this is not trusted (the member may have gone silent). */
  staleMs: number
  /** In-flight plus connecting writes per member; ticks beyond it are skipped. */
  maxInFlight: number
}

export interface WriterCounters {
  noTarget: number
  busySkips: number
  connectErrors: number
  /** Connections the writer dropped because a write did not answer in time. */
  destroyed: number
}

interface Pool<C> {
  idle: C[]
  busy: number
}

export class Writer<C extends EventEmitter> {
  readonly attempts: Attempt[] = []
  readonly splits: SplitInstant[] = []
  readonly counters: WriterCounters = { noTarget: 0, busySkips: 0, connectErrors: 0, destroyed: 0 }
  /** Times a refused or lost write moved the writer off a member (engines that move on). */
  movedOn = 0
  private readonly pools = new Map<string, Pool<C>>()
  private readonly inFlight = new Set<Promise<void>>()
  private readonly dead = new WeakSet<C>()
  private readonly busyConns = new Set<C>()
  /** Member → when it refused or lost a write: out of view until asked again after that. */
  private readonly refusedAt = new Map<string, number>()
  private timer?: NodeJS.Timeout
  private stopped = false

  constructor(
    private readonly members: ProbeMember[],
    private readonly watcher: Watcher<C>,
    private readonly ids: IdSource,
    private readonly engine: ProbeEngine<C>,
    private readonly o: WriterOptions,
  ) {
    for (const m of members) this.pools.set(m.name, { idle: [], busy: 0 })
  }

  /** Opens one connection per member first when the engine wants it warm, then ticks. */
  async start() {
    if (this.engine.warmStart) {
      await Promise.all(
        this.members.map(async (m) => {
          const conn = await this.connect(m.name).catch(() => undefined)
          if (conn) this.pools.get(m.name)!.idle.push(conn)
        }),
      )
    }
    this.timer = setInterval(() => this.tick(), this.o.intervalMs)
  }

  /** Stops ticking; waits for writes in flight (each ends by its timeout at the latest), or
   *  after drainMs drops their connections and records them as uncertain. */
  async stop(drainMs = Infinity) {
    this.stopped = true
    clearInterval(this.timer)
    const all = Promise.all([...this.inFlight])
    if (Number.isFinite(drainMs)) {
      await Promise.race([all, new Promise((r) => setTimeout(r, drainMs))])
      for (const a of this.attempts) if (!a.outcome) this.settle(a, 'uncertain', 'probe stopped while in flight: connection destroyed')
      for (const c of this.busyConns) this.drop(c)
    }
    await all
    for (const pool of this.pools.values()) for (const c of pool.idle.splice(0)) this.engine.destroy(c)
  }

  /** The members the writer would write to now (after refusals). */
  targets(now = performance.now()): string[] {
    return this.watcher.writable(now, this.o.staleMs, this.refusedAt)
  }

  private tick() {
    const now = performance.now()
    const writable = this.targets(now)
    if (writable.length > 1) {
      this.splits.push({ at: now, members: writable })
      return
    }
    if (writable.length === 0) {
      this.counters.noTarget++
      return
    }
    const p = this.write(writable[0]!)
    this.inFlight.add(p)
    void p.finally(() => this.inFlight.delete(p))
  }

  private async write(name: string) {
    const pool = this.pools.get(name)!
    if (pool.busy >= this.o.maxInFlight) {
      this.counters.busySkips++
      return
    }
    pool.busy++
    try {
      let conn: C | undefined
      while (pool.idle.length && !conn) {
        const c = pool.idle.pop()!
        if (!this.dead.has(c)) conn = c
      }
      if (!conn) {
        try {
          conn = await this.connect(name)
        } catch {
          this.counters.connectErrors++
          return
        }
        // The view may have changed while connecting: an id goes only to the current target.
        const writable = this.targets()
        if (this.stopped || writable.length !== 1 || writable[0] !== name) return void pool.idle.push(conn)
      }
      await this.insert(conn, name)
    } finally {
      pool.busy--
    }
  }

  private async connect(name: string): Promise<C> {
    const m = this.members.find((x) => x.name === name)!
    const conn = await this.engine.connect(m, { password: this.o.password, connectTimeoutMs: this.o.connectTimeoutMs, purpose: 'write' })
    conn.on('end', () => this.dead.add(conn))
    conn.on('error', () => this.dead.add(conn))
    return conn
  }

  private async insert(conn: C, name: string) {
    const attempt: Attempt = { id: this.ids.next(), member: name, sentAt: performance.now() }
    this.attempts.push(attempt)
    this.busyConns.add(conn)
    let keep = false
    const timer = setTimeout(() => {
      this.settle(attempt, 'uncertain', `no answer in ${this.o.writeTimeoutMs} ms: connection destroyed`)
      this.counters.destroyed++
      this.moveOff(name)
      this.drop(conn)
    }, this.o.writeTimeoutMs)
    try {
      const end = await this.engine.insert(conn, attempt.id, name)
      this.settle(attempt, end.outcome, end.reason)
      keep = end.keep
      // Refused by read-only, or the connection is gone: the next tick goes elsewhere.
      if (end.refused || !keep) this.moveOff(name)
    } finally {
      clearTimeout(timer)
      this.busyConns.delete(conn)
    }
    if (keep && !this.dead.has(conn)) this.pools.get(name)!.idle.push(conn)
    else this.drop(conn)
  }

  private moveOff(name: string) {
    if (!this.engine.movesOn) return
    this.refusedAt.set(name, performance.now())
    this.movedOn++
  }

  private drop(conn: C) {
    if (this.dead.has(conn)) return
    this.dead.add(conn)
    this.engine.destroy(conn)
  }

  /** First ending wins: a timed-out write stays uncertain whatever arrives later. */
  private settle(a: Attempt, outcome: Outcome, reason?: string) {
    if (a.outcome) return
    a.outcome = outcome
    a.doneAt = performance.now()
    if (reason) a.reason = reason
  }
}
