// Every tick, one INSERT of a fresh id into the one member the watcher sees writable. Writes
// run concurrently (a bounded pool per member), so a member that hangs does not stop writes
// to the next primary. Outcomes: see outcome.ts; on its own timeout the writer destroys the
// connection and records "uncertain" (never a cancel).
import type pg from 'pg'
import { destroyClient, openClient, PROBE_TABLE } from './connect'
import type { IdSource } from './ids'
import { classifyError, isSyncCancelWarning } from './outcome'
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
  /** Every WARNING the members sent to the writer (the sync-cancel ones make a write uncertain). */
  warnings: string[]
}

interface Pool {
  idle: pg.Client[]
  busy: number
}

const INSERT = `INSERT INTO ${PROBE_TABLE} (id, member) VALUES ($1, $2)`

export class Writer {
  readonly attempts: Attempt[] = []
  readonly splits: SplitInstant[] = []
  readonly counters: WriterCounters = { noTarget: 0, busySkips: 0, connectErrors: 0, destroyed: 0, warnings: [] }
  private readonly pools = new Map<string, Pool>()
  private readonly inFlight = new Set<Promise<void>>()
  private readonly dead = new WeakSet<pg.Client>()
  private readonly current = new WeakMap<pg.Client, { attempt: Attempt; syncWarning?: string }>()
  private readonly busyClients = new Set<pg.Client>()
  private timer?: NodeJS.Timeout
  private stopped = false

  constructor(
    private readonly members: ProbeMember[],
    private readonly watcher: Watcher,
    private readonly ids: IdSource,
    private readonly o: WriterOptions,
  ) {
    for (const m of members) this.pools.set(m.name, { idle: [], busy: 0 })
  }

  start() {
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
      for (const c of this.busyClients) {
        this.dead.add(c)
        destroyClient(c)
      }
    }
    await all
    for (const pool of this.pools.values()) for (const c of pool.idle.splice(0)) destroyClient(c)
  }

  private tick() {
    const now = performance.now()
    const writable = this.watcher.writable(now, this.o.staleMs)
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
    let client: pg.Client | undefined
    while (pool.idle.length && !client) {
      const c = pool.idle.pop()!
      if (!this.dead.has(c)) client = c
    }
    if (!client) {
      try {
        client = await this.connect(name)
      } catch {
        this.counters.connectErrors++
        pool.busy--
        return
      }
      // The view may have changed while connecting: an id goes only to the current target.
      const now = performance.now()
      const writable = this.watcher.writable(now, this.o.staleMs)
      if (this.stopped || writable.length !== 1 || writable[0] !== name) {
        pool.idle.push(client)
        pool.busy--
        return
      }
    }
    await this.insert(client, name)
    pool.busy--
  }

  private async connect(name: string): Promise<pg.Client> {
    const m = this.members.find((x) => x.name === name)!
    const client = await openClient(m, { password: this.o.password, connectTimeoutMs: this.o.connectTimeoutMs, applicationName: 'rd-probe-write' })
    client.on('end', () => this.dead.add(client))
    client.on('error', () => this.dead.add(client))
    client.on('notice', (n) => {
      this.counters.warnings.push(`${name}: ${n.severity} ${n.message}`)
      const cur = this.current.get(client)
      if (cur && isSyncCancelWarning(n)) cur.syncWarning = n.message
    })
    return client
  }

  private async insert(client: pg.Client, name: string) {
    const attempt: Attempt = { id: this.ids.next(), member: name, sentAt: performance.now() }
    this.attempts.push(attempt)
    const cur: { attempt: Attempt; syncWarning?: string } = { attempt }
    this.current.set(client, cur)
    this.busyClients.add(client)
    let keep = false
    const timer = setTimeout(() => {
      this.settle(attempt, 'uncertain', `no answer in ${this.o.writeTimeoutMs} ms: connection destroyed`)
      this.counters.destroyed++
      this.dead.add(client)
      destroyClient(client)
    }, this.o.writeTimeoutMs)
    try {
      await client.query(INSERT, [attempt.id, name])
      if (cur.syncWarning) this.settle(attempt, 'uncertain', `success with WARNING: ${cur.syncWarning}`)
      else this.settle(attempt, 'acknowledged')
      keep = true
    } catch (err) {
      const c = classifyError(err)
      this.settle(attempt, cur.syncWarning ? 'uncertain' : c.outcome, cur.syncWarning ? `${c.reason} (after WARNING: ${cur.syncWarning})` : c.reason)
      // A plain ERROR leaves the session usable; anything else (FATAL, socket) does not.
      keep = (err as { severity?: string }).severity === 'ERROR'
    } finally {
      clearTimeout(timer)
      this.current.delete(client)
      this.busyClients.delete(client)
    }
    if (keep && !this.dead.has(client)) this.pools.get(name)!.idle.push(client)
    else if (!this.dead.has(client)) {
      this.dead.add(client)
      destroyClient(client)
    }
  }

  /** First ending wins: a timed-out write stays uncertain whatever arrives later. */
  private settle(a: Attempt, outcome: Outcome, reason?: string) {
    if (a.outcome) return
    a.outcome = outcome
    a.doneAt = performance.now()
    if (reason) a.reason = reason
  }
}
