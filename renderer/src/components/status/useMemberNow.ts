// What a member is now, for the views that show it (its card, its topology box, its row in the
// member table): the badge status/badge.ts decides from the live status, the core's fenced list
// and the operation working on the member, and that operation while it runs (its progress is
// shown where the member is); and for the up count, which members are busy. The badge keeps
// its identity while it does not change, so the 1-second status updates and 4-per-second
// progress events re-render only what moved.
import { computed, type ComputedRef } from 'vue'
import type { OperationSummary } from '../../../../shared/operations'
import { isActive } from '../../operations/format'
import { finishedStates, memberStates, type FinishedOperation, type MemberOperationState } from '../../operations/memberState'
import { busyMembers, memberBadge, sameBadge, type MemberBadge } from '../../status/badge'
import { useClustersStore } from '../../stores/clusters'
import { useOperationsStore } from '../../stores/operations'
import { useStatusStore } from '../../stores/status'

export interface MemberNow {
  badge: ComputedRef<MemberBadge>
  /** While the badge says an operation works on it: that operation, with its progress. */
  operation: ComputedRef<OperationSummary | null>
}

interface MemberOperations {
  /** Per member name, the operation working on it (running or undecided). */
  states: ComputedRef<ReadonlyMap<string, MemberOperationState>>
  /** Per member name, its newest operation when that is an add or rejoin that succeeded. */
  finished: ComputedRef<ReadonlyMap<string, FinishedOperation>>
}

function useMemberOperations(cluster: () => string): MemberOperations {
  const operations = useOperationsStore()
  const all = computed(() => operations.forCluster(cluster()))
  return { states: computed(() => memberStates(all.value)), finished: computed(() => finishedStates(all.value)) }
}

/** Per member of the cluster an operation works on, what it does ("being created"). */
export function useBusyMembers(cluster: () => string): ComputedRef<ReadonlyMap<string, string>> {
  const status = useStatusStore()
  const clusters = useClustersStore()
  const { states, finished } = useMemberOperations(cluster)
  return computed(() => busyMembers(status.statusOf(cluster())?.members ?? [], new Set(clusters.record(cluster())?.fenced ?? []), states.value, finished.value))
}

export function useMemberNow(cluster: () => string, name: () => string): MemberNow {
  const status = useStatusStore()
  const clusters = useClustersStore()
  const operations = useOperationsStore()
  const { states, finished } = useMemberOperations(cluster)
  const opState = computed<MemberOperationState | undefined>((previous) => {
    const next = states.value.get(name())
    return previous && next && previous.label === next.label && previous.tone === next.tone && previous.operationId === next.operationId ? previous : next
  })
  const finishedOp = computed<FinishedOperation | undefined>((previous) => {
    const next = finished.value.get(name())
    return previous && next && previous.operationId === next.operationId && previous.endedAt === next.endedAt ? previous : next
  })
  const fenced = computed(() => clusters.record(cluster())?.fenced.includes(name()) ?? false)
  const badge = computed<MemberBadge>((previous) => {
    const next = memberBadge(status.member(cluster(), name()), fenced.value, opState.value, finishedOp.value)
    return previous && sameBadge(previous, next) ? previous : next
  })
  /** While the badge is busy: the running operation, or the one that just finished (at 100 %). */
  const operation = computed(() => {
    if (!badge.value.busy) return null
    const id = opState.value?.operationId ?? finishedOp.value?.operationId
    const op = id ? operations.operations.find((o) => o.id === id) : undefined
    return op && (isActive(op) || op.status === 'succeeded') ? op : null
  })
  return { badge, operation }
}
