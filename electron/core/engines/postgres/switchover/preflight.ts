// preflight: the primary is `from`; `to` streams from it and is caught up. Reads every member
// on every attempt; found done when `to` is promoted already, or (a resume) when `from` is
// down by this operation's hand and `to` still a standby (catch-up checks that it stopped
// cleanly before anything is promoted). What it read and found fit is handed along (judged):
// the checks of stop, catch-up, promote, repoint and demote of this attempt judge that read
// instead of asking again, so no round trip is added while writes stop.
import type { Step } from '../../../operations'
import type { SwitchoverParams } from '../switchover'
import { pgError } from '../errors'
import { mb } from '../format'
import { Handoff } from '../../handoff'
import { isRunning } from '../instance'
import { ahead, isUp, writable, type Seen } from '../roles'
import { readAll, seenOf, type SwitchoverHandoffs, type SwitchoverOp } from './context'

/** Throws unless `from` is the one writable primary and `to` a streaming, caught-up standby of it; returns the lag in bytes. */
function judge(op: SwitchoverOp, seen: Seen[]): number {
  const { p, c, F, T } = op
  const f = seenOf(seen, F)!
  const t = seenOf(seen, T)!
  const writers = seen.filter((s) => isUp(s) && writable(s.pos))
  if (writers.length > 1) throw pgError('cluster_state', `Cluster ${c.id} has ${writers.length} writable members (${writers.map((s) => s.member.name).join(', ')}): a split brain. Fence one first.`)
  if (!isUp(f) || !writable(f.pos)) throw pgError('preflight_failed', `${p.from} on ${F.host} is not the writable primary${isUp(f) ? '' : ` (${f.error.message})`}. A switchover needs a running primary; if it is lost, use failover.`, { host: F.host, check: 'primary' })
  if (!isUp(t) || !t.pos.inRecovery) throw pgError('preflight_failed', `${p.to} on ${T.host} is not a running standby${isUp(t) ? '' : ` (${t.error.message})`}.`, { host: T.host, check: 'target' })
  const sender = f.pos.senders.find((s) => s.name === p.to)
  if (sender?.state !== 'streaming') throw pgError('preflight_failed', `${p.to} does not stream from ${p.from} (${sender ? `state ${sender.state}` : 'not connected'}). Fix its replication (see its log on ${T.host}) or pick another target.`, { host: T.host, check: 'streaming' })
  const lag = ahead(f.pos.lsn, t.pos.replayLsn) ?? Infinity
  if (lag > p.maxLagBytes) throw pgError('preflight_failed', `${p.to} has replayed ${mb(lag)} less than ${p.from} (at most ${mb(p.maxLagBytes)} before a switchover). Wait until it catches up, or pick another target.`, { host: T.host, check: 'lag', lagBytes: lag })
  return lag
}

export function preflightStep(op: SwitchoverOp, h: SwitchoverHandoffs): Step<SwitchoverParams> {
  const { p, c, F, T, node } = op
  const read = new Handoff<Seen[]>("pre-flight's check: every member as read now")
  return {
    id: 'preflight',
    title: `Check that ${p.to} streams from ${p.from} and is caught up`,
    hosts: c.members.map((m) => m.host),
    plan: () => c.members.map((m) => node(m).planned(node(m).psql(['SELECT json_build_object(…)'], 'reads role, WAL positions, senders'))),
    async check(ctx) {
      const seen = read.put(ctx, await readAll(op))
      const t = seenOf(seen, T)!
      if (isUp(t) && writable(t.pos)) return true // past the promotion already (a resume)
      // A resume after the stop: the primary is down by this operation's hand (catch-up checks
      // that it stopped cleanly before anything is promoted).
      return ctx.attempt > 1 && isUp(t) && t.pos.inRecovery && (await isRunning(F).catch(() => true)) === false
    },
    async run(ctx, report) {
      const seen = read.take(ctx) ?? (await readAll(op))
      const lag = judge(op, seen)
      h.judged.put(ctx, seen)
      const down = seen.filter((s) => !isUp(s)).map((s) => s.member.name)
      report({ message: `${p.to} streams, ${lag} bytes behind${down.length ? `; not reachable now: ${down.join(', ')} (they follow after a rejoin)` : ''}` })
    },
  }
}
