// Live status of the clusters on screen: a copy of each followed cluster's status (status.get,
// then kept current by statusChanged: snapshots, diffs, heartbeats; a gap or a heartbeat that
// disagrees asks status.get again), its lag history for the chart (status.history, then one
// row per update), and the split-brain alarm. Panels follow a cluster while they are mounted;
// after a reconnection everything followed is read again (events sent meanwhile are lost).
// Per member lookups keep object identity for unchanged members, so 50 cards updating every
// second re-render only the ones that changed.
import { defineStore } from 'pinia'
import { computed, markRaw, onScopeDispose, ref, shallowReactive, shallowRef, watch, type ComputedRef, type Ref, type ShallowRef } from 'vue'
import type { AppError } from '../../../shared/errors'
import type { ClusterStatus, MemberStatus, SplitBrainAlarm, SplitBrainEvent, StatusEvent } from '../../../shared/status'
import { applyEvent, replay } from '../status/apply'
import { DEFAULT_WINDOW_SECONDS, LagHistory } from '../status/history'
import { asAppError } from './errors'
import { useBridge } from './bridge'
import { useConnectionStore } from './connection'

/** Uptime is shown in minutes: a clock this coarse is enough. */
const CLOCK_MS = 15_000
/** Retrying status.get after a reply that was already behind: 100 ms doubling to 2 s. */
const RETRY_FIRST_MS = 100
const RETRY_MAX_MS = 2_000
/** Events kept while status.get is on its way (a longer wait asks again anyway). */
const BUFFER_MAX = 200
/** A failed status.history is asked again at most this often (with the next update). */
const HISTORY_RETRY_MS = 10_000

interface Followed {
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

export const useStatusStore = defineStore('status', () => {
  const { client } = useBridge()
  const connection = useConnectionStore()

  const followed = shallowReactive(new Map<string, Followed>())
  /** The splitBrain events' view, per cluster, while active. */
  const alarms = shallowRef<Readonly<Record<string, SplitBrainEvent>>>({})
  const now = ref(Date.now())
  let clock: ReturnType<typeof setInterval> | null = null

  function create(cluster: string): Followed {
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

  // ---- applying what arrives ----------------------------------------------------------------

  /** A new copy; a changed member list starts a new history (and asks the core for it). */
  function setStatus(f: Followed, next: ClusterStatus, rowAt: number | null): void {
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

  function onStatusEvent(e: StatusEvent): void {
    const f = followed.get(e.cluster)
    if (!f) return
    f.stats.events++
    if (f.fetching) {
      if (f.buffer.length < BUFFER_MAX) f.buffer.push(e)
      else f.again = 'too many events while status.get was on its way'
      return
    }
    const r = applyEvent(f.status.value, e)
    if (r.kind === 'applied') {
      f.stats.applied++
      setStatus(f, r.status, Date.parse(e.at))
      f.error.value = null // the copy is current again
      if (f.historyWanted && Date.now() >= f.historyRetryAt) void fetchHistory(f)
    } else if (r.kind === 'unchanged') {
      // A heartbeat that agrees: the copy is current, and the lines go on to its time.
      if (e.kind === 'heartbeat') {
        f.error.value = null
        if (f.history && f.status.value && f.history.pushStatus(Date.parse(e.at), f.status.value)) f.historyVersion.value++
      }
    } else {
      f.stats.lastWhy = r.why
      void fetchStatus(f)
    }
  }

  function onSplitBrain(e: SplitBrainEvent): void {
    const { [e.cluster]: _old, ...rest } = alarms.value
    alarms.value = e.active ? { ...rest, [e.cluster]: e } : rest
  }

  const offStatus = client.on('statusChanged', onStatusEvent)
  const offSplit = client.on('splitBrain', onSplitBrain)

  // ---- asking the core ----------------------------------------------------------------------

  async function fetchStatus(f: Followed): Promise<void> {
    if (f.fetching) {
      f.again ??= 'asked again while a fetch was on its way'
      return
    }
    if (f.retryTimer) {
      clearTimeout(f.retryTimer)
      f.retryTimer = null
    }
    f.fetching = true
    f.buffer = []
    f.again = null
    f.loading.value = true
    f.stats.refetches++
    try {
      const fetched = await client.status.get({ cluster: f.cluster })
      const { status, refetch } = replay(fetched, f.buffer)
      setStatus(f, status, Date.parse(status.at))
      f.error.value = null
      if (refetch) f.again ??= refetch
    } catch (err) {
      f.error.value = asAppError(err)
    } finally {
      f.fetching = false
      f.buffer = []
      f.loading.value = false
    }
    if (f.refs === 0 || followed.get(f.cluster) !== f) return
    if (f.again) {
      // The answer was already behind the events: ask again, a little later each time.
      f.stats.lastWhy = f.again
      const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** f.retries++)
      f.retryTimer = setTimeout(() => {
        f.retryTimer = null
        if (f.refs > 0 && connection.connected) void fetchStatus(f)
      }, delay)
    } else {
      f.retries = 0
      if (f.historyWanted && Date.now() >= f.historyRetryAt) void fetchHistory(f)
    }
  }

  async function fetchHistory(f: Followed): Promise<void> {
    const h = f.history
    if (!h) return
    f.historyWanted = false
    try {
      const reply = await client.status.history({ cluster: f.cluster, seconds: DEFAULT_WINDOW_SECONDS })
      if (f.history !== h) return // replaced meanwhile (the members changed)
      h.load(reply)
      f.historyVersion.value++
    } catch {
      // Not collected (yet): the chart starts from the updates that arrive; asked again later.
      if (f.history === h) {
        f.historyWanted = true
        f.historyRetryAt = Date.now() + HISTORY_RETRY_MS
      }
    }
  }

  // ---- following ----------------------------------------------------------------------------

  /** Keep this cluster's status live while the returned function is not called. */
  function follow(cluster: string): () => void {
    let f = followed.get(cluster)
    if (!f) {
      f = create(cluster)
      followed.set(cluster, f)
      if (connection.connected) void fetchStatus(f)
    }
    f.refs++
    if (!clock) clock = setInterval(() => (now.value = Date.now()), CLOCK_MS)
    const mine = f
    let released = false
    return () => {
      if (released) return
      released = true
      if (--mine.refs > 0) return
      if (mine.retryTimer) clearTimeout(mine.retryTimer)
      if (followed.get(cluster) === mine) followed.delete(cluster)
      if (followed.size === 0 && clock) {
        clearInterval(clock)
        clock = null
      }
    }
  }

  /** Read a followed cluster again (status and history). */
  function reload(cluster: string): void {
    const f = followed.get(cluster)
    if (!f) return
    f.historyWanted = true
    f.historyRetryAt = 0
    void fetchStatus(f)
  }

  // After every (re)connection: events sent while the socket was down are lost.
  watch(
    () => connection.sessions,
    (sessions, before) => {
      if (sessions > (before ?? 0)) for (const f of followed.values()) reload(f.cluster)
    },
  )

  onScopeDispose(() => {
    offStatus()
    offSplit()
    if (clock) clearInterval(clock)
    for (const f of followed.values()) if (f.retryTimer) clearTimeout(f.retryTimer)
  })

  // ---- what components read -----------------------------------------------------------------

  const statusOf = (cluster: string): ClusterStatus | null => followed.get(cluster)?.status.value ?? null
  const member = (cluster: string, name: string): MemberStatus | undefined => followed.get(cluster)?.byName.value.get(name)
  const memberNames = (cluster: string): readonly string[] => followed.get(cluster)?.names.value ?? []
  const errorOf = (cluster: string): AppError | null => followed.get(cluster)?.error.value ?? null
  const loadingOf = (cluster: string): boolean => followed.get(cluster)?.loading.value ?? false
  /** The history (raw, not reactive) and its version (reactive: read it to redraw on change). */
  const historyOf = (cluster: string): { history: LagHistory | null; version: number } => {
    const f = followed.get(cluster)
    return { history: f?.history ?? null, version: f?.historyVersion.value ?? 0 }
  }
  /** The split brain, from the status copy or the splitBrain event, whichever says so. */
  const splitBrainOf = (cluster: string): SplitBrainAlarm | null => {
    const fromStatus = followed.get(cluster)?.status.value?.splitBrain ?? null
    if (fromStatus) return fromStatus
    const e = alarms.value[cluster]
    return e && e.members.length >= 2 ? { members: e.members, since: e.since, message: e.message } : null
  }
  const statsOf = (cluster: string) => followed.get(cluster)?.stats ?? null

  return { followed, alarms, now, follow, reload, statusOf, member, memberNames, errorOf, loadingOf, historyOf, splitBrainOf, statsOf }
})
