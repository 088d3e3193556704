// One followed cluster in the status store: its status copy (with per-member lookups that keep
// object identity for unchanged members), its lag history, and the bookkeeping of the fetch on
// its way (events buffered meanwhile, whether to ask again, the retry timer). setStatus is the
// one way a new copy comes in.
import { computed, markRaw, ref, shallowRef, type ComputedRef, type Ref, type ShallowRef } from 'vue'
import type { AppError } from '../../../../shared/errors'
import type { ClusterStatus, MemberStatus, StatusEvent } from '../../../../shared/status'
import { DEFAULT_WINDOW_SECONDS, LagHistory } from '../../status/history'

export interface Followed {
  readonly cluster: string
  refs: number
  readonly status: ShallowRef<ClusterStatus | null>
  readonly byName: ComputedRef<ReadonlyMap<string, MemberStatus>>
  /** The same array while the names and their order stay. */
  readonly names: ComputedRef<readonly string[]>
  readonly error: ShallowRef<AppError | null>
  readonly loading: Ref<boolean>
  history: LagHistory | null
  /** Bumped when the history gains rows or is replaced (the chart redraws when it moves). */
  readonly historyVersion: Ref<number>
  historyWanted: boolean
  /** After a failed status.history (not collected yet), when to ask again. */
  historyRetryAt: number
  fetching: boolean
  buffer: StatusEvent[]
  again: string | null
  retries: number
  retryTimer: ReturnType<typeof setTimeout> | null
  /** Counters for the bench and diagnostics. */
  readonly stats: { events: number; applied: number; refetches: number; lastWhy: string | null }
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i])
}

export function createFollowed(cluster: string): Followed {
  const status = shallowRef<ClusterStatus | null>(null)
  const byName = computed(() => new Map((status.value?.members ?? []).map((m) => [m.name, m] as const)))
  const names = computed<readonly string[]>((previous) => {
    const next = (status.value?.members ?? []).map((m) => m.name)
    return previous && sameNames(previous, next) ? previous : next
  })
  return markRaw({
    cluster,
    refs: 0,
    status,
    byName,
    names,
    error: shallowRef<AppError | null>(null),
    loading: ref(false),
    history: null,
    historyVersion: ref(0),
    historyWanted: true,
    historyRetryAt: 0,
    fetching: false,
    buffer: [],
    again: null,
    retries: 0,
    retryTimer: null,
    stats: { events: 0, applied: 0, refetches: 0, lastWhy: null },
  })
}

/** A new copy; a changed member list starts a new history (and asks the core for it). */
export function setStatus(f: Followed, next: ClusterStatus, rowAt: number | null): void {
  const before = f.status.value
  f.status.value = next
  const names = next.members.map((m) => m.name)
  const replaced = !f.history || !f.history.fits(names) || (!!before && before.periodMs !== next.periodMs)
  if (replaced) {
    f.history = LagHistory.forWindow(names, next.periodMs, DEFAULT_WINDOW_SECONDS)
    f.historyWanted = true
    f.historyRetryAt = 0
  }
  const pushed = rowAt !== null && f.history!.pushStatus(rowAt, next)
  // Counted here, not by the history: a new history starts its own count again.
  if (replaced || pushed) f.historyVersion.value++
}

/** The history is to be asked for (again) now. */
export const historyDue = (f: Followed): boolean => f.historyWanted && Date.now() >= f.historyRetryAt

export function stopRetry(f: Followed): void {
  if (f.retryTimer) clearTimeout(f.retryTimer)
  f.retryTimer = null
}
