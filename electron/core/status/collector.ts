// The poller of one cluster. Every period it asks each member, in parallel, one statement over
// that member's one persistent database session; a member whose last poll has not answered is
// skipped (never two polls in flight for a member). A member goes down the moment something
// says so — the SSH connection's state, the session's end or error, a refused reconnect, or a
// poll that stays unanswered (down after answerTimeoutMs; its session dropped after
// reopenAfterMs) — and comes back by itself: the session is reopened with backoff, and at
// once when the host's SSH connection is back. Every change is published as a diff at
// once; each tick also feeds the history and, every few seconds, the last primary position.
import type { ClusterStatus, MemberDown, PrimaryPosition, SplitBrainAlarm, SplitBrainEvent, StatusEvent, StatusHistory, DiskStatus } from '../../../shared/status'
import { AppError } from '../../../shared/errors'
import type { HostState, SshService } from '../ssh'
import { derive, nextPosition, nextSplitBrain, type MemberView } from './derive'
import { diffCluster } from './diff'
import { readDisk } from './disk'
import { capacityFor, HistoryRing } from './history'
import type { PositionWriter } from './positions'
import { DATA_DIR_SQL, parseSample, POLL_SQL, type RawSample } from './query'
import { fromError, fromHostState, type DownReason, type Who } from './reasons'
import { DbSession } from './session'
import { socketPathOf, type CollectorOptions, type StatusClusterInput, type StatusMemberInput } from './types'

export interface CollectorSinks {
  event(e: StatusEvent): void
  splitBrain(e: SplitBrainEvent): void
}

type Settings = Required<CollectorOptions>

export function settingsOf(o: CollectorOptions = {}): Settings {
  const periodMs = Math.max(100, Math.round(o.periodMs ?? 1000))
  // A hung server is noticed within period + answer wait (the last answer came just before it
  // hung, the next poll goes out a period later): 1.8 s at 1 s. A slow poll past this only
  // flickers the member down until it answers; the server's statement_timeout is the period.
  const answerTimeoutMs = o.answerTimeoutMs ?? Math.max(500, Math.round(0.8 * periodMs))
  return {
    periodMs,
    diskPeriodMs: o.diskPeriodMs ?? 30_000,
    heartbeatMs: o.heartbeatMs ?? 5000,
    historySeconds: o.historySeconds ?? 900,
    statementTimeoutMs: o.statementTimeoutMs ?? Math.max(500, periodMs),
    answerTimeoutMs,
    reopenAfterMs: Math.max(o.reopenAfterMs ?? Math.max(3 * periodMs, 3000), answerTimeoutMs),
    connectTimeoutMs: o.connectTimeoutMs ?? 5000,
    positionWriteMs: o.positionWriteMs ?? 5000,
  }
}

const FAST_RETRY_MS = 250
const MAX_FAST_RETRY_MS = 2000
/** Fixed retry delays by reason: a stopped server is tried often (opening a stream is cheap), what needs the user rarely. */
const FIXED_RETRY_MS: Partial<Record<MemberDown['code'], number>> = { not_running: 500, ssh_needs_user: 30_000, forwarding_refused: 10_000, no_access: 10_000 }
/** A refused stream is diagnosed (one command on the host) at most this often per member. */
const DIAGNOSE_EVERY_MS = 30_000
const DIAGNOSED = new Set<MemberDown['code']>(['not_running', 'forwarding_refused', 'no_access'])

class Member {
  readonly who: Who
  readonly socketPath: string
  readonly instanceKey: string
  readonly aliases: string[]
  hostKey: string | undefined
  session: DbSession | null = null
  connecting = false
  inFlightSince = 0
  /** The session whose poll has not answered yet. */
  inFlight: DbSession | null = null
  /** Marks the member down when the poll in flight stays unanswered. */
  answerTimer: NodeJS.Timeout | undefined
  /** The poll in flight is late: the member was marked down for it. */
  late = false
  sample: RawSample | null = null
  sampleTick = -1
  fresh = false
  state: 'unknown' | 'up' | 'down' = 'unknown'
  down: MemberDown | null = null
  disk: DiskStatus | null = null
  dataDir: string | undefined
  dataDirAsked = false
  retryAt = 0
  backoffMs = FAST_RETRY_MS
  diagnosedAt = -Infinity
  skipped = 0

  constructor(readonly input: StatusMemberInput) {
    this.who = { name: input.name, host: input.host, user: input.target.user }
    this.socketPath = socketPathOf(input)
    this.instanceKey = `${input.target.address}:${input.target.port ?? 22}|${this.socketPath}`
    this.aliases = [input.address, input.host, input.target.address].filter((x): x is string => !!x)
    this.dataDir = input.dataDir
  }
}

export class Collector {
  readonly settings: Settings
  private readonly members: Member[]
  private readonly history: HistoryRing
  private stopped = false
  private timer: NodeJS.Timeout | undefined
  private tickNo = 0
  private nextTickAt = 0
  private seq: number
  private last: ClusterStatus | null = null
  private splitAlarm: SplitBrainAlarm | null = null
  private lastPrimary: PrimaryPosition | null = null
  private lastHeartbeat = 0
  private unsubscribe: (() => void) | undefined
  private readonly diskNext = new Map<string, number>()
  private readonly diskBusy = new Set<string>()
  /** Counters for benches and diagnostics. */
  readonly stats = { ticks: 0, polls: 0, skipped: 0, late: 0, connects: 0, events: 0, errors: 0 }
  lastError: unknown = null

  constructor(
    private readonly ssh: SshService,
    readonly cluster: StatusClusterInput,
    options: CollectorOptions,
    private readonly sinks: CollectorSinks,
    private readonly positions: PositionWriter | null,
    seqStart = 0,
    lastPrimary: PrimaryPosition | null = null,
  ) {
    this.settings = settingsOf(options)
    this.members = cluster.members.map((m) => new Member(m))
    this.history = new HistoryRing(cluster.members.map((m) => m.name), capacityFor(this.settings.historySeconds, this.settings.periodMs))
    this.seq = seqStart
    this.lastPrimary = lastPrimary
  }

  async start(): Promise<void> {
    // The pool's key of each member's host, to match SSH state events to members.
    await Promise.all(
      this.members.map(async (m) => {
        try {
          m.hostKey = (await this.ssh.state(m.input.target)).key
        } catch (err) {
          this.markDown(m, fromError(m.who, err), true)
          m.retryAt = Infinity // an invalid target does not heal by itself
        }
      }),
    )
    this.unsubscribe = this.ssh.onState((s) => this.onHostState(s))
    this.last = this.snapshotNow(new Date())
    this.emit({ kind: 'snapshot', cluster: this.cluster.id, seq: this.seq, at: this.last.at, snapshot: this.last })
    this.lastHeartbeat = Date.now()
    this.nextTickAt = Date.now()
    void this.tick()
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    clearTimeout(this.timer)
    this.unsubscribe?.()
    await Promise.all(this.members.map((m) => {
      clearTimeout(m.answerTimer)
      const s = m.session
      m.session = null
      return s?.close()
    }))
    await this.positions?.flush()
  }

  get currentSeq(): number {
    return this.seq
  }

  snapshot(): ClusterStatus {
    return this.last ?? this.snapshotNow(new Date())
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
    this.readDisks(now)
    if (now - this.lastHeartbeat >= s.heartbeatMs) {
      this.lastHeartbeat = now
      this.emit({ kind: 'heartbeat', cluster: this.cluster.id, seq: this.seq, at: new Date().toISOString() })
    }
  }

  private async poll(m: Member, session: DbSession): Promise<void> {
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
        const dd = await session.row(DATA_DIR_SQL).catch(() => ({}) as Record<string, unknown>)
        if (typeof dd.setting === 'string') m.dataDir = dd.setting
      }
      const row = await session.row(POLL_SQL)
      if (m.session !== session) return
      m.sample = parseSample(row)
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
      if (m.session === session && !session.closed) this.markDown(m, fromError(m.who, err), true)
    } finally {
      if (m.inFlight === session) {
        m.inFlight = null
        m.late = false
        clearTimeout(m.answerTimer)
      }
    }
  }

  private async connect(m: Member): Promise<void> {
    m.connecting = true
    this.stats.connects++
    // While the reason of a refusal is known, retries skip the check on the host.
    const diagnose = !(m.down && DIAGNOSED.has(m.down.code) && Date.now() - m.diagnosedAt < DIAGNOSE_EVERY_MS)
    if (diagnose) m.diagnosedAt = Date.now()
    try {
      const session = await DbSession.open(this.ssh, {
        target: m.input.target,
        socketPath: m.socketPath,
        connectTimeoutMs: this.settings.connectTimeoutMs,
        statementTimeoutMs: this.settings.statementTimeoutMs,
        diagnose,
      })
      if (this.stopped) return void session.close()
      m.session = session
      m.who.user = session.user
      session.onEnd((why) => this.sessionEnded(m, session, why))
      // From here the tick's rules apply: the first poll is in flight, the answer deadline runs.
      m.connecting = false
      await this.poll(m, session)
      m.fresh = m.state === 'up' && m.session === session
      this.publish(false)
    } catch (err) {
      const undiagnosed = err instanceof AppError && (err.detail as { reason?: string } | undefined)?.reason === 'open_refused'
      // Still refused without a check: the reason found last time stands.
      if (!(undiagnosed && m.down)) this.markDown(m, fromError(m.who, err), true)
      this.scheduleRetry(m)
      this.publish(false)
    } finally {
      m.connecting = false
    }
  }

  private sessionEnded(m: Member, session: DbSession, why: unknown): void {
    if (m.session !== session || this.stopped) return
    m.session = null
    this.markDown(m, fromError(m.who, why), false)
    this.scheduleRetry(m)
    this.publish(false)
  }

  /**
   * The poll in flight is late: down now, but the session is kept (the answer may still come).
   * A cut host often ends up here first; SSH keepalive then says `ssh_unreachable`.
   */
  private answerLate(m: Member): void {
    m.late = true
    this.stats.late++
    this.markDown(m, { code: 'timeout', reason: `${m.who.name} on ${m.who.host}: no answer from PostgreSQL for ${Math.round((Date.now() - m.inFlightSince) / 100) / 10} s (the server hung or overloaded, or the host cut off).` }, true)
    this.publish(false)
  }

  /** Still no answer: the session is given up (a stuck backend stays stuck) and reopened. */
  private answerTimedOut(m: Member): void {
    const s = m.session
    m.session = null
    m.inFlight = null
    m.late = false
    clearTimeout(m.answerTimer)
    this.markDown(m, { code: 'timeout', reason: `${m.who.name} on ${m.who.host}: no answer from PostgreSQL for ${Math.round((Date.now() - m.inFlightSince) / 100) / 10} s; the session was dropped and is being reopened.` }, true)
    void s?.close()
    this.scheduleRetry(m)
    this.publish(false)
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
      this.markDown(m, reason, true)
      this.scheduleRetry(m)
      changed = true
    }
    if (changed) this.publish(false)
  }

  private markDown(m: Member, r: DownReason, replace: boolean): void {
    m.fresh = false
    if (m.state !== 'down' || !m.down) {
      m.state = 'down'
      m.down = { code: r.code, reason: r.reason, since: new Date().toISOString() }
    } else if (replace && (m.down.code !== r.code || m.down.reason !== r.reason)) {
      m.down = { ...m.down, code: r.code, reason: r.reason }
    }
  }

  private scheduleRetry(m: Member): void {
    if (m.retryAt === Infinity) return
    const fixed = m.down ? FIXED_RETRY_MS[m.down.code] : undefined
    const delay = fixed ?? m.backoffMs
    if (!fixed) m.backoffMs = Math.min(m.backoffMs * 2, MAX_FAST_RETRY_MS)
    m.retryAt = Date.now() + delay
    // Retries are picked up by the tick; a short delay should not wait a whole period.
    if (delay < this.settings.periodMs) {
      setTimeout(() => {
        if (!this.stopped && !m.session && !m.connecting && Date.now() >= m.retryAt) void this.connect(m)
      }, delay).unref()
    }
  }

  // ---- disk -------------------------------------------------------------------------------

  private readDisks(now: number): void {
    const groups = new Map<string, Member[]>()
    for (const m of this.members) {
      if (!m.hostKey || !m.dataDir || m.down?.code === 'ssh_unreachable' || m.down?.code === 'ssh_needs_user') continue
      const g = groups.get(m.hostKey) ?? []
      g.push(m)
      groups.set(m.hostKey, g)
    }
    for (const [key, ms] of groups) {
      if (this.diskBusy.has(key) || now < (this.diskNext.get(key) ?? 0)) continue
      this.diskBusy.add(key)
      readDisk(this.ssh, ms[0]!.input.target, ms.map((m) => m.dataDir!))
        .then((found) => {
          let all = true
          for (const m of ms) {
            const d = found.get(m.dataDir!)
            if (d) m.disk = d
            else all = false
          }
          this.diskNext.set(key, Date.now() + (all ? this.settings.diskPeriodMs : Math.min(5000, this.settings.diskPeriodMs)))
          if (!this.stopped) this.publish(false)
        })
        .catch(() => this.diskNext.set(key, Date.now() + Math.min(5000, this.settings.diskPeriodMs)))
        .finally(() => this.diskBusy.delete(key))
    }
  }

  // ---- publishing -------------------------------------------------------------------------

  private views(): MemberView[] {
    return this.members.map((m) => ({
      name: m.input.name,
      host: m.input.host,
      port: m.input.port,
      aliases: m.aliases,
      instanceKey: m.instanceKey,
      state: m.state,
      down: m.down,
      sample: m.sample,
      fresh: m.fresh,
      disk: m.disk,
    }))
  }

  private snapshotNow(now: Date, tick = false): ClusterStatus {
    const d = derive(this.views())
    this.splitAlarm = nextSplitBrain(this.splitAlarm, d.writable, this.cluster.id, now)
    if (tick) this.lastPrimary = nextPosition(this.lastPrimary, d.position, now)
    if (tick && d.position && this.lastPrimary) this.positions?.observe(this.lastPrimary, now.getTime())
    if (tick) {
      this.history.push(now.getTime(), d.members.map((m) => m.lagBytes), d.members.map((m) => m.lagSeconds))
    }
    return {
      cluster: this.cluster.id,
      seq: this.seq,
      at: now.toISOString(),
      periodMs: this.settings.periodMs,
      primary: d.primary,
      splitBrain: this.splitAlarm,
      members: d.members,
      otherSlots: d.otherSlots,
      lastPrimary: this.lastPrimary,
    }
  }

  private publish(tick: boolean): void {
    if (this.stopped) return
    const before = this.splitAlarm
    const next = this.snapshotNow(new Date(), tick)
    const diff = diffCluster(this.last, next)
    if (diff) {
      next.seq = ++this.seq
      this.emit({ kind: 'diff', cluster: this.cluster.id, seq: next.seq, at: next.at, ...diff })
    }
    this.last = next
    const after = this.splitAlarm
    if (before !== after && (before?.members.join() !== after?.members.join())) {
      const alarm = after ?? before!
      const e: SplitBrainEvent = {
        cluster: this.cluster.id,
        active: !!after,
        members: after?.members ?? [],
        since: alarm.since,
        at: next.at,
        message: after ? after.message : `Split brain in cluster ${this.cluster.id} is over: at most one member accepts writes now.`,
      }
      try {
        this.sinks.splitBrain(e)
      } catch {
        // a listener's bug must not stop the collection
      }
    }
  }

  private emit(e: StatusEvent): void {
    this.stats.events++
    try {
      this.sinks.event(e)
    } catch {
      // a listener's bug must not stop the collection
    }
  }
}
