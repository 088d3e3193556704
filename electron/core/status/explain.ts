// A second look when a member goes down for a reason a stopped server gives too: its session
// ended, the server said it is shutting down (a killed postmaster's backends say so on their
// way out), its socket refused a stream. The engine looks at the host once (StatusSource
// explainDown: is the server process alive, how does its log end) and its reading replaces
// status's own for the rest of the episode, while status's reasons stay of that kind. Asked
// again when status's own reason changes, or when it comes again after REASK_MS.
import type { DownCode } from '../../../shared/status'
import { withOrigin } from '../activity/origin'
import type { StatusSource } from '../engines/engine'
import type { SshService } from '../ssh'
import type { Member } from './member'
import type { DownReason } from './reasons'

/** The reasons a server that is not running gives as well. */
export const EXPLAINED: ReadonlySet<DownCode> = new Set<DownCode>(['not_running', 'shutting_down', 'connection_lost', 'forwarding_refused'])

const REASK_MS = 30_000

export interface ExplainDeps<S> {
  ssh: SshService
  source: StatusSource<S>
  timeoutMs: number
  /** The member's down reason changed (publish it). */
  changed(): void
  stopped(): boolean
}

/** Marks the member down for `r` (see Member.markDown), with the engine's reading where it has one. */
export function markDownExplained<S>(d: ExplainDeps<S>, m: Member<S>, r: DownReason, replace: boolean): void {
  m.markDown(r, replace)
  const since = m.down?.since
  if (!d.source.explainDown || !since || !EXPLAINED.has(r.code)) return
  const known = m.explained?.since === since ? m.explained : null
  if (known) {
    known.basis = r
    if (known.reason) m.markDown(known.reason, true) // the engine's reading holds for the episode
  }
  if (m.explaining || (known && known.askedFor === r.code && Date.now() - known.at < REASK_MS)) return
  m.explaining = true
  m.explained = { since, basis: r, askedFor: r.code, reason: known?.reason ?? null, at: Date.now() }
  const ask = d.source.explainDown.bind(d.source)
  void withOrigin('status', () => ask(d.ssh, m.input, { down: r, since, dataDir: m.dataDir, last: m.sample, timeoutMs: d.timeoutMs }))
    .catch(() => null)
    .then((better) => {
      m.explaining = false
      if (d.stopped() || m.state !== 'down' || m.down?.since !== since || m.explained?.since !== since) return
      const before = m.explained.reason
      m.explained = { ...m.explained, reason: better }
      // A reading taken back (the server runs after all): status's own reason again.
      const now = better ?? (before ? m.explained.basis : null)
      if (now) {
        m.markDown(now, true)
        d.changed()
      }
    })
}
