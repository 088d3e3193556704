// Who to promote and what it may cost, before anything runs (pure: the reads are done by the
// caller). The loss is stated honestly as a bound:
//   none     every synchronous standby of the record answered, and the candidate has at least
//            as much WAL as each of them: an acknowledged commit reached one of them, so the
//            candidate has it (ANY k / FIRST k, or the degraded one-of-those ReplicaDesk sets)
//   bound    at least (last primary position seen − candidate's WAL) bytes, plus whatever the
//            primary wrote in the T seconds since it was last seen
//   unknown  no position of the primary is known (status was not collected), or it is on
//            another timeline than the candidate
// Each pick says why (assess-reason.ts), ties included: what the ranking cannot break falls to
// the cluster's member order.
// Never a candidate: a member the record marks fenced (it may hold WAL of its own from its
// time as primary, and started by hand as a standby it even looks the most advanced), one
// marked never-promote, one that does not answer. Decided here only; every caller (CLI, the
// renderer's target list) shows `excluded` as given.
import type { CandidateView, DataLoss, RoleChangeAssessment } from '../../../../shared/operations'
import type { PrimaryPosition } from '../../../../shared/status'
import { failoverReason, switchoverReason } from './assess-reason'
import { pgError } from './errors'
import { mb } from './format'
import { memberOf, type PgCluster } from './model'
import { ahead, isUp, writable, type Seen } from './roles'

export interface LastPrimary extends PrimaryPosition {
  /** Last time the primary was seen at this position. */
  seenAt: string
}

export interface AssessInput {
  cluster: PgCluster
  /** The member that was primary (from status), or null when unknown. */
  from: string | null
  /** Every member except, possibly, `from`, read just now. */
  seen: readonly Seen[]
  lastPrimary: LastPrimary | null
  /** The user's choice; default: the most WAL received, priority breaking ties. */
  to?: string
  now?: number
}

/** Why a fenced member is never promoted (the one wording, for failover and switchover). */
export const FENCED_EXCLUDED = 'fenced: it was stopped as a primary and may hold writes of its own, rejoin it first'

export function assessFailover(input: AssessInput): RoleChangeAssessment {
  const { cluster: c, from } = input
  const now = input.now ?? Date.now()
  const standbys = input.seen.filter((s) => s.member.name !== from)
  const up = standbys.filter(isUp)
  const writers = up.filter((s) => writable(s.pos))
  if (writers.length) {
    throw pgError('cluster_state', `${writers.map((s) => s.member.name).join(', ')} accept${writers.length === 1 ? 's' : ''} writes already${from ? ` besides ${from}` : ''}: there is nothing to fail over to. If two members accept writes, fence one.`)
  }
  const best = up.reduce<string | null>((acc, s) => (acc === null || (ahead(s.pos.lsn, acc) ?? 0) > 0 ? s.pos.lsn : acc), null)
  const views: CandidateView[] = c.members
    .filter((m) => m.name !== from)
    .map((m) => {
      const s = standbys.find((x) => x.member.name === m.name)
      const reachable = !!s && isUp(s)
      const lsn = s && isUp(s) ? s.pos.lsn : null
      const excluded = c.fenced.includes(m.name) ? FENCED_EXCLUDED : !reachable ? `not reachable${s && !isUp(s) ? `: ${s.error.message}` : ''}` : m.neverPromote ? 'marked never-promote' : lsn === null ? 'no WAL position' : undefined
      return { name: m.name, host: m.host, reachable, lsn, behindBytes: lsn && best ? Math.max(0, ahead(best, lsn) ?? 0) : null, sync: m.sync, priority: m.priority, neverPromote: m.neverPromote, ...(excluded && { excluded }) }
    })
  // Ties left fall to the member order (the sort is stable; views are in member order).
  const allowed = views.filter((v) => !v.excluded).sort((a, b) => (a.behindBytes ?? 0) - (b.behindBytes ?? 0) || a.priority - b.priority)
  if (!allowed.length) throw pgError('cluster_state', `No member of cluster ${c.id} can be promoted: ${views.map((v) => `${v.name} ${v.excluded ?? ''}`).join('; ')}.`)
  let to = allowed[0]!
  const warnings: string[] = []
  if (input.to) {
    const chosen = views.find((v) => v.name === input.to)
    if (!chosen) throw pgError('preflight_failed', `${input.to} is not a member that can take over (the old primary cannot).`)
    if (chosen.excluded) throw pgError('preflight_failed', `${input.to} cannot be promoted: ${chosen.excluded}.`)
    to = chosen
    const further = allowed.filter((v) => (ahead(v.lsn, to.lsn) ?? 0) > 0)
    if (further.length) {
      warnings.push(`${further.map((v) => `${v.name} (${mb(ahead(v.lsn, to.lsn) ?? 0)} further)`).join(', ')} received more WAL than ${to.name}: they cannot follow it and need a rejoin with pg_rewind, which throws that WAL away.`)
    }
  }
  // A fenced member that answers with more WAL than the one promoted: that WAL is thrown away
  // by its rejoin (said in bytes; the loss below counts it when the member is synchronous).
  for (const v of views.filter((x) => x.excluded === FENCED_EXCLUDED && (ahead(x.lsn, to.lsn) ?? 0) > 0)) {
    warnings.push(`${v.name} is fenced and has ${mb(ahead(v.lsn, to.lsn) ?? 0)} more WAL than ${to.name}: it is not promoted, and its rejoin throws that WAL away.`)
  }
  const loss = lossOf(input, to, now)
  // The maximum lag to be promoted: a failover is the user's call (the lost primary is gone), so it is said, in numbers, not refused.
  if (loss.kind === 'bound' && (loss.bytes ?? 0) > c.maxLagBytes) warnings.push(`${to.name} misses at least ${mb(loss.bytes ?? 0)}: more than the cluster's maximum lag to be promoted (${mb(c.maxLagBytes)}).`)
  if (loss.kind !== 'none' && !c.members.some((m) => m.sync)) {
    warnings.push('The cluster is asynchronous: a primary that is cut off but still running keeps accepting writes from clients that reach it; those writes are lost when it is fenced.')
  }
  const fromAlive = from ? input.seen.find((s) => s.member.name === from) : undefined
  if (fromAlive && isUp(fromAlive) && writable(fromAlive.pos)) {
    warnings.push(`${from} is up and accepts writes: the failover stops and fences it first; writes in flight to it fail. For a planned change use switchover, which loses nothing.`)
  }
  return { from, to: to.name, loss, candidates: views, warnings, reason: failoverReason(to, allowed, views, !!input.to) }
}

function lossOf(input: AssessInput, to: CandidateView, now: number): DataLoss {
  const loss = lossFromPositions(input, to, now)
  const relaxed = input.cluster.relaxedSince
  // Relaxed by the "available" policy: commits since then waited for no standby.
  if (relaxed && loss.kind === 'none') return { kind: 'unknown', text: `Unknown: synchronous replication was relaxed at ${relaxed} (policy "available": the synchronous replicas were gone); writes acknowledged since then may exist only on ${input.from ?? 'the old primary'}.` }
  return loss
}

function lossFromPositions(input: AssessInput, to: CandidateView, now: number): DataLoss {
  const { cluster: c, from } = input
  const syncMembers = c.members.filter((m) => m.sync && m.name !== from)
  const syncSeen = syncMembers.map((m) => input.seen.find((s) => s.member.name === m.name))
  if (syncMembers.length && syncSeen.every((s) => s && isUp(s)) && syncSeen.every((s) => (ahead(to.lsn, s && isUp(s) ? s.pos.lsn : null) ?? -1) >= 0)) {
    return { kind: 'none', bytes: 0, text: `None: every synchronous standby answered (${syncMembers.map((m) => m.name).join(', ')}) and ${to.name} has at least as much WAL as each, so it has every acknowledged write.` }
  }
  const last = input.lastPrimary
  if (!last) return { kind: 'unknown', text: 'Unknown: ReplicaDesk has no recent position of the primary (status was not being collected). Writes the primary acknowledged after the standbys last received may be lost.' }
  const seconds = Math.max(0, Math.round((now - Date.parse(last.seenAt)) / 100) / 10)
  const bytes = ahead(last.lsn, to.lsn)
  if (bytes === null) return { kind: 'unknown', text: `Unknown: ${to.name} reports no WAL position.` }
  const missing = Math.max(0, bytes)
  const since = seconds > 0 ? `, plus whatever ${last.member} wrote in the ${seconds} s since it was last seen (${new Date(last.seenAt).toISOString()})` : ''
  return { kind: 'bound', bytes: missing, seconds, text: `At least ${mb(missing)} (the last position seen on ${last.member}, ${last.lsn}, minus what ${to.name} received, ${to.lsn})${since}.` }
}

/**
 * A switchover's target and its judgement: nothing is lost (the target replays the old
 * primary's last checkpoint before it is promoted). Default target: a streaming, caught-up
 * standby, synchronous ones first, then by priority, then the least behind.
 */
export function assessSwitchover(c: PgCluster, seen: readonly Seen[], to?: string, maxLagBytes = 16 * 1024 * 1024): RoleChangeAssessment {
  const writers = seen.filter((s) => isUp(s) && writable(s.pos))
  if (writers.length > 1) throw pgError('split_brain', `${writers.map((s) => s.member.name).join(' and ')} both accept writes: fence one of them first.`)
  const primary = writers[0]
  if (!primary || !isUp(primary)) {
    const why = seen.filter((s) => !isUp(s)).map((s) => `${s.member.name}: ${'error' in s ? s.error.message : ''}`)
    throw pgError('cluster_state', `No member of cluster ${c.id} accepts writes${why.length ? ` (${why.join('; ')})` : ''}. A switchover needs a running primary; if it is lost, use failover.`)
  }
  const from = primary.member.name
  const views: CandidateView[] = c.members
    .filter((m) => m.name !== from)
    .map((m) => {
      const s = seen.find((x) => x.member.name === m.name)
      const reachable = !!s && isUp(s)
      const lsn = s && isUp(s) ? s.pos.replayLsn : null
      const behind = lsn ? Math.max(0, ahead(primary.pos.lsn, lsn) ?? 0) : null
      const streams = primary.pos.senders.some((x) => x.name === m.name && x.state === 'streaming')
      const excluded = c.fenced.includes(m.name) ? FENCED_EXCLUDED : !reachable ? 'not reachable' : m.neverPromote ? 'marked never-promote' : !streams ? `does not stream from ${from}` : (behind ?? Infinity) > maxLagBytes ? `${mb(behind ?? 0)} behind` : undefined
      return { name: m.name, host: m.host, reachable, lsn, behindBytes: behind, sync: m.sync, priority: m.priority, neverPromote: m.neverPromote, ...(excluded && { excluded }) }
    })
  // Ties left fall to the member order (the sort is stable; views are in member order).
  const allowed = views.filter((v) => !v.excluded).sort((a, b) => Number(b.sync) - Number(a.sync) || a.priority - b.priority || (a.behindBytes ?? 0) - (b.behindBytes ?? 0))
  const target = to ? views.find((v) => v.name === to) : allowed[0]
  if (to && !target) {
    memberOf(c, to) // a name the cluster does not have; else it is `from`
    throw pgError('preflight_failed', `${to} is the primary already.`)
  }
  if (!target) throw pgError('preflight_failed', `No standby of cluster ${c.id} can take over now: ${views.map((v) => `${v.name} ${v.excluded}`).join('; ') || 'there is none'}.`)
  if (target.excluded) throw pgError('preflight_failed', `${target.name} cannot take over now: ${target.excluded}.`)
  const down = views.filter((v) => !v.reachable).map((v) => v.name)
  const warnings = down.length ? [`${down.join(', ')} ${down.length === 1 ? 'does' : 'do'} not answer: ${down.length === 1 ? 'it follows' : 'they follow'} the new primary only after a rejoin.`] : []
  const loss: DataLoss = { kind: 'none', bytes: 0, text: `None: ${from} stops cleanly and ${target.name} is promoted only once it has replayed ${from}'s last checkpoint.` }
  return { from, to: target.name, loss, candidates: views, warnings, reason: switchoverReason(target, allowed, views, !!to) }
}
