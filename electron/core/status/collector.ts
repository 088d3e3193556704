// The poller of one cluster. Every period it asks each member, in parallel, for one sample
// over that member's one persistent session (the engine's: StatusSource); a member whose last
// sample has not answered is skipped (never two in flight for a member). A member goes down
// the moment something says so — the SSH connection's state, the session's end or error, a
// refused reconnect, or a sample that stays unanswered (down after answerTimeoutMs; its
// session dropped after reopenAfterMs) — and comes back by itself: the session is reopened
// with backoff, and at once when the host's SSH connection is back. Every change is published
// as a diff at once (publisher.ts); each tick also feeds the history and, every few seconds,
// the last primary position.
import type { ClusterStatus, PrimaryPosition, StatusHistory } from '../../../shared/status'
import { AppError } from '../../../shared/errors'
import type { StatusSession, StatusSource } from '../engines/engine'
import type { HostState, SshService } from '../ssh'
import { withOrigin } from '../activity/origin'
import { AutomaticPoller } from './automatic-poller'
import { DiskPoller } from './disk-poller'
import { markDownExplained, type ExplainDeps } from './explain'
import { capacityFor, HistoryRing } from './history'
import { FAST_RETRY_MS, Member } from './member'
import type { PositionWriter } from './positions'
import { Publisher, type CollectorSinks } from './publisher'
import { fromError, fromHostState, type DownReason } from './reasons'
import { settingsOf, type Settings } from './settings'
import type { CollectorOptions, StatusClusterInput } from './types'

interface CollectorDeps<S> {
  ssh: SshService
  source: StatusSource<S>
  sinks: CollectorSinks
  positions: PositionWriter | null
  seqStart?: number
  lastPrimary?: PrimaryPosition | null
}

export class Collector<S = unknown> {
  readonly settings: Settings
  private readonly ssh: SshService
  private readonly source: StatusSource<S>
  private readonly members: Member<S>[]
  private readonly history: HistoryRing
  private readonly out: Publisher<S>
  private readonly disks: DiskPoller
  /** The automatic-failover manager's view, when the engine gives one (a cluster handed over). */
  private readonly automatic: AutomaticPoller | null
  private readonly positions: PositionWriter | null
  private readonly explainDeps: ExplainDeps<S>
  private stopped = false
  private timer: NodeJS.Timeout | undefined
  private tickNo = 0
  private nextTickAt = 0
  private lastHeartbeat = 0
  private unsubscribe: (() => void) | undefined
  /** Counters for benches and diagnostics. */
  readonly stats = { ticks: 0, polls: 0, skipped: 0, late: 0, connects: 0, events: 0, errors: 0 }
  lastError: unknown = null

  constructor(readonly cluster: StatusClusterInput, options: CollectorOptions, deps: CollectorDeps<S>) {
    this.settings = settingsOf(options)
    this.ssh = deps.ssh
    this.source = deps.source
    this.members = cluster.members.map((m) => new Member<S>(m, deps.source))
    this.history = new HistoryRing(cluster.members.map((m) => m.name), capacityFor(this.settings.historySeconds, this.settings.periodMs))
    this.out = new Publisher<S>({
      cluster: cluster.id,
      periodMs: this.settings.periodMs,
      source: deps.source,
      sinks: deps.sinks,
      history: this.history,
      positions: deps.positions,
      seqStart: deps.seqStart ?? 0,
      lastPrimary: deps.lastPrimary ?? null,
      views: () => this.members.map((m) => m.view()),
      automatic: () => (this.automatic ? this.automatic.current : undefined),
      stats: this.stats,
    })
    this.disks = new DiskPoller(deps.ssh, this.settings.diskPeriodMs, () => this.publish(false))
    this.automatic = cluster.automatic ? new AutomaticPoller(cluster.automatic, () => this.publish(false)) : null
    this.positions = deps.positions
    this.explainDeps = { ssh: deps.ssh, source: deps.source, timeoutMs: this.settings.connectTimeoutMs, changed: () => this.publish(false), stopped: () => this.stopped }
  }

  async start(): Promise<void> {
    // The pool's key of each member's host, to match SSH state events to members.
    await Promise.all(
      this.members.map(async (m) => {
        try {
          m.hostKey = (await this.ssh.state(m.input.target)).key
        } catch (err) {
          m.markDown(this.reason(m, err), true)
          m.retryAt = Infinity // an invalid target does not heal by itself
        }
      }),
    )
    this.unsubscribe = this.ssh.onState((s) => this.onHostState(s))
    const first = this.out.snapshotNow(new Date())
    this.out.last = first
    this.out.emit({ kind: 'snapshot', cluster: this.cluster.id, seq: this.out.seq, at: first.at, snapshot: first })
    this.lastHeartbeat = Date.now()
    this.nextTickAt = Date.now()
    // Every command of the collection (and what it schedules) is the status poll's.
    void withOrigin('status', () => this.tick())
    withOrigin('status', () => this.automatic?.start())
  }

  /**
   * Reads these members (default: all) now instead of at the next tick or retry, e.g. right
   * after an operation made one: a member with a session is sampled, one without is connected.
   */
  readNow(names?: readonly string[]): void {
    if (this.stopped) return
    if (!names) withOrigin('status', () => this.automatic?.readNow())
    for (const m of this.members) {
      if (names && !names.includes(m.input.name)) continue
      if (m.session && !m.session.closed) {
        const session = m.session
        if (!m.inFlight) {
          void withOrigin('status', () => this.poll(m, session)).then(() => {
            m.fresh = m.state === 'up' && m.session === session
            this.publish(false)
          })
        }
      } else if (m.retryAt !== Infinity) {
        m.retryAt = 0
        m.backoffMs = FAST_RETRY_MS
        if (m.connecting) m.readAgain = true
        else void this.connect(m)
      }
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    clearTimeout(this.timer)
    this.unsubscribe?.()
    const automatic = this.automatic?.stop()
    await Promise.all(this.members.map((m) => {
      clearTimeout(m.answerTimer)
      const s = m.session
      m.session = null
      return s?.close()
    }))
    await this.positions?.flush()
    await automatic
  }

  get currentSeq(): number {
    return this.out.seq
  }

  snapshot(): ClusterStatus {
    return this.out.last ?? this.out.snapshotNow(new Date())
  }

  readHistory(seconds: number): StatusHistory {
    return this.history.read(this.cluster.id, this.settings.periodMs, Date.now() - seconds * 1000)
  }

  get historyBytes(): number {
    return this.history.byteLength
  }

  // ---- the tick ---------------------------------------------------------------------------

  private async tick(): Promise<void> {
    if (this.stopped) return
    try {
      await this.tickBody()
    } catch (err) {
      this.stats.errors++
      this.lastError = err
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), Math.max(0, this.nextTickAt - Date.now()))
  }

  private async tickBody(): Promise<void> {
    const s = this.settings
    const now = Date.now()
    this.tickNo++
    this.stats.ticks++
    this.nextTickAt += s.periodMs
    if (this.nextTickAt <= now) this.nextTickAt = now + s.periodMs // a late tick is not made up for
    const polls: Promise<void>[] = []
    for (const m of this.members) {
      if (m.session && !m.session.closed) {
        if (m.inFlight) {
          m.skipped++
          this.stats.skipped++
          if (now - m.inFlightSince > s.reopenAfterMs) this.answerTimedOut(m)
          continue
        }
        polls.push(this.poll(m, m.session))
      } else if (!m.connecting && now >= m.retryAt) {
        void this.connect(m)
      }
    }
    if (polls.length) {
      let t: NodeJS.Timeout | undefined
      await Promise.race([Promise.all(polls), new Promise((r) => (t = setTimeout(r, Math.round(s.periodMs * 0.7))))])
      clearTimeout(t)
    }
    if (this.stopped) return
    for (const m of this.members) m.fresh = m.state === 'up' && m.sampleTick === this.tickNo
    this.publish(true)
    this.disks.read(this.members, now)
    if (now - this.lastHeartbeat >= s.heartbeatMs) {
      this.lastHeartbeat = now
      this.out.emit({ kind: 'heartbeat', cluster: this.cluster.id, seq: this.out.seq, at: new Date().toISOString() })
    }
  }

  private async poll(m: Member<S>, session: StatusSession<S>): Promise<void> {
    m.inFlight = session
    m.inFlightSince = Date.now()
    m.late = false
    clearTimeout(m.answerTimer)
    m.answerTimer = setTimeout(() => {
      if (m.inFlight === session && m.session === session && !this.stopped) this.answerLate(m)
    }, this.settings.answerTimeoutMs)
    m.answerTimer.unref()
    this.stats.polls++
    try {
      if (!m.dataDir && !m.dataDirAsked) {
        // once, for the disk figure, when the member's data dir was not given
        m.dataDirAsked = true
        const dd = await session.dataDir().catch(() => undefined)
        if (dd !== undefined) m.dataDir = dd
      }
      const sample = await session.sample()
      if (m.session !== session) return
      m.sample = sample
      m.sampleTick = this.tickNo
      m.state = 'up'
      m.down = null
      m.backoffMs = FAST_RETRY_MS
      // A late answer: up again now, not at the next tick's publication.
      if (m.late) {
        m.fresh = true
        this.publish(false)
      }
    } catch (err) {
      // A session that ended reports through onEnd; here only errors of a live session.
      if (m.session === session && !session.closed) this.markDown(m, this.reason(m, err), true)
    } finally {
      if (m.inFlight === session) {
        m.inFlight = null
        m.late = false
        clearTimeout(m.answerTimer)
      }
    }
  }

  private connect(m: Member<S>): Promise<void> {
    return withOrigin('status', () => this.connectNow(m))
  }

  private async connectNow(m: Member<S>): Promise<void> {
    m.connecting = true
    this.stats.connects++
    const diagnose = m.shouldDiagnose()
    try {
      const session = await this.source.open(this.ssh, m.input, {
        connectTimeoutMs: this.settings.connectTimeoutMs,
        statementTimeoutMs: this.settings.statementTimeoutMs,
        diagnose,
      })
      if (this.stopped) return void session.close()
      m.session = session
      m.who.user = session.user
      session.onEnd((why) => this.sessionEnded(m, session, why))
      // From here the tick's rules apply: the first sample is in flight, the answer deadline runs.
      m.connecting = false
      await this.poll(m, session)
      m.fresh = m.state === 'up' && m.session === session
      this.publish(false)
    } catch (err) {
      const undiagnosed = err instanceof AppError && (err.detail as { reason?: string } | undefined)?.reason === 'open_refused'
      // Still refused without a check: the reason found last time stands.
      if (!(undiagnosed && m.down)) this.markDown(m, this.reason(m, err), true)
      this.scheduleRetry(m)
      this.publish(false)
    } finally {
      m.connecting = false
    }
    // Asked to read now while this attempt ran (it may have started before the server was up).
    if (m.readAgain && !m.session && !this.stopped) {
      m.readAgain = false
      m.retryAt = 0
      void this.connect(m)
    }
  }

  private sessionEnded(m: Member<S>, session: StatusSession<S>, why: unknown): void {
    if (m.session !== session || this.stopped) return
    m.session = null
    this.markDown(m, this.reason(m, why), false)
    this.scheduleRetry(m)
    this.publish(false)
  }

  /**
   * The sample in flight is late: down now, but the session is kept (the answer may still come).
   * A cut host often ends up here first; SSH keepalive then says `ssh_unreachable`.
   */
  private answerLate(m: Member<S>): void {
    m.late = true
    this.stats.late++
    m.markDown({ code: 'timeout', reason: `${m.who.name} on ${m.who.host}: no answer from ${this.source.serverName} for ${this.waited(m)} s (the server hung or overloaded, or the host cut off).` }, true)
    this.publish(false)
  }

  /** Still no answer: the session is given up (a stuck backend stays stuck) and reopened. */
  private answerTimedOut(m: Member<S>): void {
    const s = m.session
    m.session = null
    m.inFlight = null
    m.late = false
    clearTimeout(m.answerTimer)
    m.markDown({ code: 'timeout', reason: `${m.who.name} on ${m.who.host}: no answer from ${this.source.serverName} for ${this.waited(m)} s; the session was dropped and is being reopened.` }, true)
    void s?.close()
    this.scheduleRetry(m)
    this.publish(false)
  }

  private waited(m: Member<S>): number {
    return Math.round((Date.now() - m.inFlightSince) / 100) / 10
  }

  private onHostState(s: HostState): void {
    if (this.stopped) return
    let changed = false
    for (const m of this.members) {
      if (m.hostKey !== s.key) continue
      if (s.state === 'connected') {
        // The host is back: reopen now rather than at the next backoff step.
        if (!m.session && !m.connecting && m.retryAt !== Infinity) {
          m.retryAt = 0
          m.backoffMs = FAST_RETRY_MS
          void this.connect(m)
        }
        continue
      }
      const reason = fromHostState(m.who, s)
      if (!reason) continue
      const session = m.session
      m.session = null
      void session?.close()
      m.markDown(reason, true)
      this.scheduleRetry(m)
      changed = true
    }
    if (changed) this.publish(false)
  }

  private markDown(m: Member<S>, r: DownReason, replace: boolean): void {
    markDownExplained(this.explainDeps, m, r, replace)
  }

  private reason(m: Member<S>, err: unknown): DownReason {
    return fromError(m.who, err, this.source)
  }

  private scheduleRetry(m: Member<S>): void {
    const delay = m.scheduleRetry()
    // Retries are picked up by the tick; a short delay should not wait a whole period.
    if (delay !== null && delay < this.settings.periodMs) {
      setTimeout(() => {
        if (!this.stopped && !m.session && !m.connecting && Date.now() >= m.retryAt) void this.connect(m)
      }, delay).unref()
    }
  }

  private publish(tick: boolean): void {
    if (this.stopped) return
    const before = this.out.last?.primary
    this.out.publish(tick)
    // The primary changed (lost, or another one): the manager's view is read now, not at its next period.
    if (this.out.last && this.out.last.primary !== before) withOrigin('status', () => this.automatic?.readNow())
  }
}
