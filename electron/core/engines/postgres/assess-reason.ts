// Why a role change promotes the member it promotes, in one sentence the dialog and the CLI
// show (pure). `allowed` is in the order the assessment ranked the candidates (best first);
// ties the ranking cannot break fall to the cluster's member order, and the sentence says so.
import type { CandidateView } from '../../../../shared/operations'
import { mb } from './format'
import { onlyOne, PRIORITY, tiedWith } from '../reason-words'

/** Failover: the most WAL received first, then priority, then member order. */
export function failoverReason(to: CandidateView, allowed: readonly CandidateView[], views: readonly CandidateView[], chosenByUser: boolean): string {
  if (chosenByUser) return `you chose ${to.name}`
  const next = allowed.find((v) => v !== to)
  if (!next) return onlyOne(to, views, 'member that can be promoted')
  const behind = (v: CandidateView) => v.behindBytes ?? 0
  if (behind(next) > behind(to)) return `${to.name} received the most WAL (${mb(behind(next) - behind(to))} more than ${next.name})`
  const sameWal = tiedWith(to, allowed, (v) => behind(v) === behind(to))
  if (next.priority > to.priority) return `${PRIORITY}; ${sameWal} had the same WAL, ${to.name} has priority ${to.priority}, ${next.name} ${next.priority}`
  return `${sameWal} had the same WAL and the same priority (${to.priority}): the first in the cluster's member order`
}

/** Switchover: synchronous first, then priority, then the least behind, then member order. */
export function switchoverReason(to: CandidateView, allowed: readonly CandidateView[], views: readonly CandidateView[], chosenByUser: boolean): string {
  if (chosenByUser) return `you chose ${to.name}`
  const next = allowed.find((v) => v !== to)
  if (!next) return onlyOne(to, views, 'standby that can take over now')
  if (to.sync && !next.sync) return `synchronous replicas are tried first: ${to.name} is synchronous, ${next.name} is not`
  if (next.priority > to.priority) return `${PRIORITY}: ${to.name} has priority ${to.priority}, ${next.name} ${next.priority}`
  const behind = (v: CandidateView) => v.behindBytes ?? 0
  const same = tiedWith(to, allowed, (v) => v.sync === to.sync && v.priority === to.priority)
  if (behind(next) > behind(to)) return `${same} have the same priority (${to.priority}); ${to.name} is the least behind (${mb(behind(to))}, ${next.name} ${mb(behind(next))})`
  return `${same} are alike (${to.sync ? 'synchronous' : 'asynchronous'}, priority ${to.priority}, equally caught up): the first in the cluster's member order`
}
