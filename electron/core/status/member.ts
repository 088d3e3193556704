// One watched member's state in a collector: its session and the sample in flight, up or down
// and why, the last sample, the disk figure, and when to try again. Down is kept with the time
// it began; a later reason replaces the sentence, never the time.
import type { DiskStatus, MemberDown } from '../../../shared/status'
import type { MemberView, StatusMemberInput, StatusSession, StatusSource } from '../engines/engine'
import type { DownReason, Who } from './reasons'
import { aliasesOf, instanceKeyOf } from './snapshot'

/** What the engine said of a down episode, and the reason status had read itself. */
export interface Explained {
  since: string
  /** Status's own latest reason (what stands when the engine has none). */
  basis: DownReason
  /** The kind of reason the engine was last asked about. */
  askedFor: DownReason['code']
  /** The engine's reading; null: the basis stands. */
  reason: DownReason | null
  at: number
}

export const FAST_RETRY_MS = 250
const MAX_FAST_RETRY_MS = 2000
/** Fixed retry delays by reason: a stopped server is tried often (opening a stream is cheap), what needs the user rarely. */
const FIXED_RETRY_MS: Partial<Record<MemberDown['code'], number>> = { not_running: 500, ssh_needs_user: 30_000, forwarding_refused: 10_000, no_access: 10_000 }
/** A refused stream is diagnosed (one command on the host) at most this often per member. */
const DIAGNOSE_EVERY_MS = 30_000
const DIAGNOSED = new Set<MemberDown['code']>(['not_running', 'forwarding_refused', 'no_access'])

export class Member<S> {
  readonly who: Who
  readonly instanceKey: string
  readonly aliases: string[]
  hostKey: string | undefined
  session: StatusSession<S> | null = null
  connecting = false
  inFlightSince = 0
  /** The session whose sample has not answered yet. */
  inFlight: StatusSession<S> | null = null
  /** Marks the member down when the sample in flight stays unanswered. */
  answerTimer: NodeJS.Timeout | undefined
  /** The sample in flight is late: the member was marked down for it. */
  late = false
  sample: S | null = null
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
  /** The engine's look at this down episode (explain.ts). */
  explained: Explained | null = null
  explaining = false
  /** readNow came while a connect attempt ran: one more attempt right after it. */
  readAgain = false

  constructor(readonly input: StatusMemberInput, source: Pick<StatusSource, 'endpoint'>) {
    this.who = { name: input.name, host: input.host, user: input.target.user }
    this.instanceKey = instanceKeyOf(source, input)
    this.aliases = aliasesOf(input)
    this.dataDir = input.dataDir
  }

  markDown(r: DownReason, replace: boolean): void {
    this.fresh = false
    const log = r.log && { log: r.log }
    if (this.state !== 'down' || !this.down) {
      this.state = 'down'
      this.down = { code: r.code, reason: r.reason, since: new Date().toISOString(), ...log }
    } else if (replace && (this.down.code !== r.code || this.down.reason !== r.reason || this.down.log !== r.log)) {
      this.down = { code: r.code, reason: r.reason, since: this.down.since, ...log }
    }
  }

  /** Sets when to try again (fixed by reason, else doubling backoff); returns the delay, or null if never. */
  scheduleRetry(): number | null {
    if (this.retryAt === Infinity) return null
    const fixed = this.down ? FIXED_RETRY_MS[this.down.code] : undefined
    const delay = fixed ?? this.backoffMs
    if (!fixed) this.backoffMs = Math.min(this.backoffMs * 2, MAX_FAST_RETRY_MS)
    this.retryAt = Date.now() + delay
    return delay
  }

  /** While the reason of a refusal is known, retries skip the check on the host. */
  shouldDiagnose(): boolean {
    const diagnose = !(this.down && DIAGNOSED.has(this.down.code) && Date.now() - this.diagnosedAt < DIAGNOSE_EVERY_MS)
    if (diagnose) this.diagnosedAt = Date.now()
    return diagnose
  }

  view(): MemberView<S> {
    return {
      name: this.input.name,
      host: this.input.host,
      port: this.input.port,
      aliases: this.aliases,
      instanceKey: this.instanceKey,
      state: this.state,
      down: this.down,
      sample: this.sample,
      fresh: this.fresh,
      disk: this.disk,
    }
  }
}
