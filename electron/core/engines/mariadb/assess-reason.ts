// Why a MariaDB role change promotes the member it promotes, in one sentence the dialog and the
// CLI show (pure). `allowed` is in the order the assessment ranked the candidates (best first);
// ties the ranking cannot break fall to the cluster's member order, and the sentence says so.
import type { CandidateView } from '../../../../shared/operations'
import { onlyOne, PRIORITY, tiedWith } from '../reason-words'

export const txns = (n: number) => `${n} transaction${n === 1 ? '' : 's'}`

export { listed } from '../reason-words'

const behind = (v: CandidateView) => v.behindTransactions ?? 0

/** Failover: the most transactions received first, then priority, then member order. */
export function failoverReason(to: CandidateView, allowed: readonly CandidateView[], views: readonly CandidateView[], chosenByUser: boolean): string {
  if (chosenByUser) return `you chose ${to.name}`
  const next = allowed.find((v) => v !== to)
  if (!next) return onlyOne(to, views, 'member that can be promoted')
  if (behind(next) > behind(to)) return `${to.name} received the most (${txns(behind(next) - behind(to))} more than ${next.name})`
  const same = tiedWith(to, allowed, (v) => behind(v) === behind(to))
  if (next.priority > to.priority) return `${PRIORITY}; ${same} received the same, ${to.name} has priority ${to.priority}, ${next.name} ${next.priority}`
  return `${same} received the same and have the same priority (${to.priority}): the first in the cluster's member order`
}

/** Switchover: semi-sync replicas first, then priority, then the least behind, then member order. */
export function switchoverReason(to: CandidateView, allowed: readonly CandidateView[], views: readonly CandidateView[], chosenByUser: boolean): string {
  if (chosenByUser) return `you chose ${to.name}`
  const next = allowed.find((v) => v !== to)
  if (!next) return onlyOne(to, views, 'replica that can take over now')
  if (to.sync && !next.sync) return `semi-sync replicas are tried first: ${to.name} is one, ${next.name} is not`
  if (next.priority > to.priority) return `${PRIORITY}: ${to.name} has priority ${to.priority}, ${next.name} ${next.priority}`
  const same = tiedWith(to, allowed, (v) => v.sync === to.sync && v.priority === to.priority)
  if (behind(next) > behind(to)) return `${same} have the same priority (${to.priority}); ${to.name} is the least behind (${txns(behind(to))}, ${next.name} ${txns(behind(next))})`
  return `${same} are alike (${to.sync ? 'semi-sync' : 'asynchronous'}, priority ${to.priority}, equally caught up): the first in the cluster's member order`
}
