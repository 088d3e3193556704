// Who to promote and what it may cost, before anything runs (pure: the reads are the caller's,
// engine.readPositions). MariaDB's figures are GTIDs: "most advanced" is per domain, what a
// member has *received* counts (a replica's Gtid_IO_Pos: its relay log is applied before the
// promotion), and distances are in transactions. The loss of a failover is stated honestly:
//   none     semi-sync was in force when the primary was last seen (its
//            Rpl_semi_sync_master_status ON: it had not fallen back), every semi-sync replica of
//            the record answers, the candidate is one of them and has everything any reachable
//            member received: an acknowledged commit reached one semi-sync replica, so it has it
//   bound    at least (the last primary position seen − what the candidate received)
//            transactions, plus whatever the primary wrote in the seconds since it was seen
//   unknown  no position of the primary is known (status was not collected)
// Never a candidate: a member the record marks fenced, one marked never-promote, one that does
// not answer. Decided here only; every caller shows `excluded` as given.
import { AppError } from '../../../../shared/errors'
import type { CandidateView, DataLoss, RoleChangeAssessment } from '../../../../shared/operations'
import { failoverReason, listed, switchoverReason, txns } from './assess-reason'
import { mariaError } from './errors'
import { memberOf, type MariaCluster } from './model'
import { gtidBehind, gtidContains, isPrimaryNow, isUp, mergeGtid, receivedGtid, replicatesFrom, writable, type MariaReading } from './roles'

/** The primary as status last saw it (the core keeps it from its snapshots). */
export interface MariaLastPrimary {
  member: string
  /** Its gtid_binlog_pos then. */
  gtid: string
  /** When it was last seen at that position (ISO time). */
  at: string
  /** Its Rpl_semi_sync_master_status then: semi-sync in force (on), not fallen back to asynchronous. */
  semiSyncOn?: boolean
}

export interface MariaFailoverInput {
  cluster: MariaCluster
  /** The member that was primary (from status), or null when unknown. */
  from: string | null
  /** Every member except, possibly, `from`, read just now (engine.readPositions). */
  seen: readonly MariaReading[]
  lastPrimary: MariaLastPrimary | null
  /** The user's choice; default: the most received, priority breaking ties. */
  to?: string
  now?: number
}

/** Why a fenced member is never promoted. */
export const FENCED_EXCLUDED = 'fenced: it was stopped as a primary and may hold writes of its own, rejoin it first'

/** Default: how many transactions a switchover target may be behind (the catch-up waits for them while writes pause). */
export const SWITCHOVER_MAX_BEHIND = 10_000

const sortFailover = (a: CandidateView, b: CandidateView) => (a.behindTransactions ?? 0) - (b.behindTransactions ?? 0) || a.priority - b.priority

export function assessMariaFailover(input: MariaFailoverInput): RoleChangeAssessment {
  const { cluster: c, from } = input
  const now = input.now ?? Date.now()
  const replicas = input.seen.filter((s) => s.member !== from)
  const primaries = replicas.filter(isPrimaryNow)
  if (primaries.length) throw mariaError('cluster_state', `${listed(primaries.map((s) => s.member))} accept${primaries.length === 1 ? 's' : ''} writes already${from ? ` besides ${from}` : ''}: there is nothing to fail over to. If two members accept writes, fence one.`)
  const best = mergeGtid(...replicas.map(receivedGtid))
  const views: CandidateView[] = c.members
    .filter((m) => m.name !== from)
    .map((m) => {
      const s = replicas.find((x) => x.member === m.name)
      const gtid = s ? receivedGtid(s) : null
      const reachable = !!s && isUp(s)
      const excluded = c.fenced.includes(m.name) ? FENCED_EXCLUDED : !reachable ? `not reachable${s?.error ? `: ${s.error}` : ''}` : m.neverPromote ? 'marked never-promote' : undefined
      return { name: m.name, host: m.host, reachable, lsn: null, behindBytes: null, ...(gtid !== null && { gtid }), behindTransactions: gtid === null ? null : gtidBehind(best, gtid), sync: m.sync, priority: m.priority, neverPromote: m.neverPromote, ...(excluded && { excluded }) }
    })
  // Ties left fall to the member order (the sort is stable; views are in member order).
  const allowed = views.filter((v) => !v.excluded).sort(sortFailover)
  if (!allowed.length) throw mariaError('cluster_state', `No member of cluster ${c.id} can be promoted: ${views.map((v) => `${v.name} ${v.excluded ?? ''}`).join('; ')}.`)
  let to = allowed[0]!
  const warnings: string[] = []
  if (input.to) {
    const chosen = views.find((v) => v.name === input.to)
    if (!chosen) throw mariaError('preflight_failed', `${input.to} is not a member that can take over (the old primary cannot).`)
    if (chosen.excluded) throw mariaError('preflight_failed', `${input.to} cannot be promoted: ${chosen.excluded}.`)
    to = chosen
    const further = allowed.filter((v) => v.gtid && to.gtid !== undefined && !gtidContains(to.gtid, v.gtid))
    if (further.length) warnings.push(`${further.map((v) => `${v.name} (${txns(gtidBehind(v.gtid!, to.gtid ?? ''))} further)`).join(', ')} received more than ${to.name}: they cannot follow it and need a rejoin, which throws those transactions away.`)
  }
  for (const v of views.filter((x) => x.excluded === FENCED_EXCLUDED && x.gtid && !gtidContains(to.gtid ?? '', x.gtid))) {
    warnings.push(`${v.name} is fenced and has ${txns(gtidBehind(v.gtid!, to.gtid ?? ''))} that ${to.name} lacks: it is not promoted, and its rejoin throws them away.`)
  }
  for (const s of replicas.filter((x) => writable(x) && !isPrimaryNow(x))) warnings.push(`${s.member} replicates but accepts writes (read_only is off): it is set read-only when it follows ${to.name}.`)
  const loss = lossOf(input, to, replicas, now)
  if (loss.kind !== 'none' && !c.semiSync.enabled) warnings.push('The cluster is asynchronous: a primary that is cut off but still running keeps accepting writes from clients that reach it; those writes are lost when it is fenced.')
  const fromSeen = from ? input.seen.find((s) => s.member === from) : undefined
  if (fromSeen && writable(fromSeen)) warnings.push(`${from} is up and accepts writes: the failover stops and fences it first; writes in flight to it fail. For a planned change use switchover, which loses nothing.`)
  return { from, to: to.name, loss, candidates: views, warnings, reason: failoverReason(to, allowed, views, !!input.to) }
}

function lossOf(input: MariaFailoverInput, to: CandidateView, replicas: readonly MariaReading[], now: number): DataLoss {
  const { cluster: c, from } = input
  const last = input.lastPrimary && (from === null || input.lastPrimary.member === from) ? input.lastPrimary : null
  const semi = semiSyncNone(input, to, replicas, last)
  if (semi.none) return { kind: 'none', transactions: 0, text: semi.text }
  if (!last) return { kind: 'unknown', text: `Unknown: ReplicaDesk has no recent position of ${from ?? 'the primary'} (status was not being collected). Transactions it acknowledged after the replicas last received may be lost.${semi.text ? ` ${semi.text}` : ''}` }
  const seconds = Math.max(0, Math.round((now - Date.parse(last.at)) / 100) / 10)
  const missing = gtidBehind(last.gtid, to.gtid ?? '')
  const since = seconds > 0 ? `, plus whatever ${last.member} wrote in the ${seconds} s since it was last seen (${new Date(last.at).toISOString()})` : ''
  const tail = semi.text ? ` ${semi.text}` : c.semiSync.enabled ? '' : ' The cluster is asynchronous.'
  return { kind: 'bound', transactions: missing, seconds, text: `At least ${txns(missing)} (the last position seen on ${last.member}, ${last.gtid || 'empty'}, minus what ${to.name} received, ${to.gtid || 'nothing'})${since}.${tail}` }
}

/** Whether semi-sync promises the candidate every acknowledged transaction; else why not (a sentence, '' when semi-sync is off). */
function semiSyncNone(input: MariaFailoverInput, to: CandidateView, replicas: readonly MariaReading[], last: MariaLastPrimary | null): { none: boolean; text: string } {
  const { cluster: c, from } = input
  if (!c.semiSync.enabled) return { none: false, text: '' }
  if (!last) return { none: false, text: 'Semi-sync is on in the settings, but whether it was in force (not fallen back) when the primary was lost is not known.' }
  if (!last.semiSyncOn) return { none: false, text: `Semi-sync had fallen back to asynchronous on ${last.member} when it was last seen (Rpl_semi_sync_master_status OFF).` }
  const sync = c.members.filter((m) => m.sync && m.name !== from)
  const silent = sync.filter((m) => !replicas.some((s) => s.member === m.name && isUp(s)))
  if (silent.length) return { none: false, text: `Semi-sync was in force, but ${listed(silent.map((m) => m.name))} (semi-sync) ${silent.length === 1 ? 'does' : 'do'} not answer and may hold the only copy of an acknowledged transaction.` }
  if (!to.sync) return { none: false, text: `Semi-sync was in force, but ${to.name} is not a semi-sync replica, so an acknowledged transaction may be on another one only.` }
  const more = replicas.filter((s) => s.member !== to.name && isUp(s) && !gtidContains(to.gtid ?? '', receivedGtid(s) ?? ''))
  if (more.length) return { none: false, text: `Semi-sync was in force, but ${listed(more.map((s) => s.member))} received transactions ${to.name} lacks.` }
  return { none: true, text: `None: semi-sync was in force when ${last.member} was last seen, every semi-sync replica answered (${listed(sync.map((m) => m.name))}) and ${to.name} has everything any of them received, so it has every acknowledged transaction.` }
}

/**
 * A switchover's target and its judgement: nothing is lost (the target executes the old
 * primary's last transaction before it is promoted). Default target: a replica that replicates
 * from the primary and is caught up, semi-sync ones first, then by priority, then the least behind.
 */
export function assessMariaSwitchover(c: MariaCluster, seen: readonly MariaReading[], to?: string, maxBehind = SWITCHOVER_MAX_BEHIND): RoleChangeAssessment {
  const writers = seen.filter(writable)
  if (writers.length > 1) throw new AppError('split_brain', `${listed(writers.map((s) => s.member))} accept writes (read_only off): a split brain. Fence all but one of them first.`, { reason: 'split_brain' })
  const primary = writers[0]
  if (!primary || !isUp(primary)) {
    const why = seen.filter((s) => !isUp(s)).map((s) => `${s.member}: ${s.error ?? 'no answer'}`)
    throw mariaError('cluster_state', `No member of cluster ${c.id} accepts writes${why.length ? ` (${why.join('; ')})` : ''}. A switchover needs a running primary; if it is lost, use failover.`)
  }
  const from = primary.member
  const P = memberOf(c, from)
  const views: CandidateView[] = c.members
    .filter((m) => m.name !== from)
    .map((m) => {
      const s = seen.find((x) => x.member === m.name)
      const reachable = !!s && isUp(s)
      const gtid = s && isUp(s) ? s.facts.gtidCurrentPos : null
      const behind = gtid === null ? null : gtidBehind(primary.facts.gtidBinlogPos, gtid)
      const excluded = c.fenced.includes(m.name) ? FENCED_EXCLUDED : !reachable ? 'not reachable' : m.neverPromote ? 'marked never-promote' : !replicatesFrom(s!, P) ? `does not replicate from ${from} (both threads running)` : (behind ?? Infinity) > maxBehind ? `${txns(behind ?? 0)} behind (at most ${maxBehind})` : undefined
      return { name: m.name, host: m.host, reachable, lsn: null, behindBytes: null, ...(gtid !== null && { gtid }), behindTransactions: behind, sync: m.sync, priority: m.priority, neverPromote: m.neverPromote, ...(excluded && { excluded }) }
    })
  const allowed = views.filter((v) => !v.excluded).sort((a, b) => Number(b.sync) - Number(a.sync) || a.priority - b.priority || (a.behindTransactions ?? 0) - (b.behindTransactions ?? 0))
  const target = to ? views.find((v) => v.name === to) : allowed[0]
  if (to && !target) {
    memberOf(c, to) // a name the cluster does not have; else it is `from`
    throw mariaError('preflight_failed', `${to} is the primary already.`)
  }
  if (!target) throw mariaError('preflight_failed', `No replica of cluster ${c.id} can take over now: ${views.map((v) => `${v.name} ${v.excluded}`).join('; ') || 'there is none'}.`)
  if (target.excluded) throw mariaError('preflight_failed', `${target.name} cannot take over now: ${target.excluded}.`)
  const down = views.filter((v) => !v.reachable).map((v) => v.name)
  const warnings = down.length ? [`${listed(down)} ${down.length === 1 ? 'does' : 'do'} not answer: ${down.length === 1 ? 'it follows' : 'they follow'} the new primary only after a rejoin.`] : []
  const loss: DataLoss = { kind: 'none', transactions: 0, text: `None: ${from} is set read-only and ${target.name} is promoted only once it has executed ${from}'s last transaction (MASTER_GTID_WAIT).` }
  return { from, to: target.name, loss, candidates: views, warnings, reason: switchoverReason(target, allowed, views, !!to) }
}
