// The automatic-failover manager's view of one cluster (when the engine gives one: a cluster
// handed over), read on its own period, slower than the members' polls: one read at a time (the
// next starts `periodMs` after the last ended), a read unanswered after `timeoutMs` shown as
// failed at once, a failure kept beside the last answer (never dropped), every change told.
import type { AutomaticStatus } from '../../../shared/status'
import type { AutomaticStatusSource } from '../engines/engine'
import { same } from './diff'

export class AutomaticPoller {
  current: AutomaticStatus | null = null
  private stopped = false
  private reading: Promise<void> | null = null
  /** Asked to read while a read ran: the next starts when it ends. */
  private again = false
  private timer: NodeJS.Timeout | undefined
  /** Counters for tests and diagnostics. */
  readonly stats = { reads: 0, failures: 0 }

  constructor(private readonly source: AutomaticStatusSource, private readonly changed: () => void) {}

  start(): void {
    this.readNow()
  }

  /** Reads now; while a read runs, the next one starts as soon as it ends (never two at once). */
  readNow(): void {
    if (this.stopped) return
    if (this.reading) {
      this.again = true
      return
    }
    clearTimeout(this.timer)
    this.reading = this.readOnce().finally(() => {
      this.reading = null
      const delay = this.again ? 0 : this.source.periodMs
      this.again = false
      if (!this.stopped) this.timer = setTimeout(() => this.readNow(), delay)
      this.timer?.unref?.()
    })
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.reading
  }

  private async readOnce(): Promise<void> {
    this.stats.reads++
    const read = this.source.read()
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>((res) => (timer = setTimeout(() => res('late'), this.source.timeoutMs)))
    try {
      const first = await Promise.race([read, late])
      if (first === 'late') {
        this.failed(noAnswer(this.source))
        // Never two reads at once: the next waits for this one to end (the engine bounds it).
        this.set(await read)
      } else this.set(first)
    } catch (err) {
      this.failed(messageOf(err))
    } finally {
      clearTimeout(timer)
    }
  }

  private failed(message: string): void {
    this.stats.failures++
    this.set(this.current ? { ...this.current, error: message } : unread(this.source, message))
  }

  private set(next: AutomaticStatus): void {
    if (this.stopped || same(this.current, next)) return
    this.current = next
    this.changed()
  }
}

/** Nothing read: the manager named, the failure said. */
const unread = (s: AutomaticStatusSource, error: string): AutomaticStatus => ({ manager: s.manager, store: s.store, readFrom: null, leader: null, paused: false, members: [], consensus: null, cannotFailover: null, error })
const noAnswer = (s: AutomaticStatusSource) => `no answer from ${s.manager} within ${s.timeoutMs < 1000 ? `${s.timeoutMs} ms` : `${Math.round(s.timeoutMs / 100) / 10} s`}`
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err))

/** One reading for a one-shot status (the CLI run cold): a failure or a late answer is the reading's error. */
export async function readAutomaticOnce(source: AutomaticStatusSource): Promise<AutomaticStatus> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<null>((res) => (timer = setTimeout(() => res(null), source.timeoutMs)))
  try {
    return (await Promise.race([source.read(), late])) ?? unread(source, noAnswer(source))
  } catch (err) {
    return unread(source, messageOf(err))
  } finally {
    clearTimeout(timer)
  }
}
