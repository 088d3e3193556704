// Live status of the clusters on screen: a copy of each followed cluster's status (status.get,
// then kept current by statusChanged: snapshots, diffs, heartbeats; a gap or a heartbeat that
// disagrees asks status.get again), its lag history for the chart (status.history, then one
// row per update), and the split-brain alarm. Panels follow a cluster while they are mounted;
// after a reconnection everything followed is read again (events sent meanwhile are lost).
// Per member lookups keep object identity for unchanged members, so 50 cards updating every
// second re-render only the ones that changed. The parts: liveStatus/followed.ts (one followed
// cluster), liveStatus/fetch.ts (asking the core), liveStatus/onEvent.ts (what an event does).
import { defineStore } from 'pinia'
import { onScopeDispose, ref, shallowReactive, shallowRef, watch } from 'vue'
import type { AppError } from '../../../shared/errors'
import type { ClusterStatus, MemberStatus, SplitBrainAlarm, SplitBrainEvent } from '../../../shared/status'
import type { LagHistory } from '../status/history'
import { useBridge } from './bridge'
import { useConnectionStore } from './connection'
import { onFollowedEvent } from './liveStatus/onEvent'
import { createStatusFetcher } from './liveStatus/fetch'
import { createFollowed, stopRetry, type Followed } from './liveStatus/followed'

/** Uptime is shown in minutes: a clock this coarse is enough. */
const CLOCK_MS = 15_000

export const useStatusStore = defineStore('status', () => {
  const { client } = useBridge()
  const connection = useConnectionStore()

  const followed = shallowReactive(new Map<string, Followed>())
  /** The splitBrain events' view, per cluster, while active. */
  const alarms = shallowRef<Readonly<Record<string, SplitBrainEvent>>>({})
  const now = ref(Date.now())
  let clock: ReturnType<typeof setInterval> | null = null

  const fetcher = createStatusFetcher(
    client,
    (f) => f.refs > 0 && followed.get(f.cluster) === f,
    () => connection.connected,
  )

  const offStatus = client.on('statusChanged', (e) => {
    const f = followed.get(e.cluster)
    if (f) onFollowedEvent(f, e, fetcher)
  })
  const offSplit = client.on('splitBrain', (e) => {
    const { [e.cluster]: _old, ...rest } = alarms.value
    alarms.value = e.active ? { ...rest, [e.cluster]: e } : rest
  })

  /** Keep this cluster's status live while the returned function is not called. */
  function follow(cluster: string): () => void {
    let f = followed.get(cluster)
    if (!f) {
      f = createFollowed(cluster)
      followed.set(cluster, f)
      if (connection.connected) void fetcher.fetchStatus(f)
    }
    f.refs++
    if (!clock) clock = setInterval(() => (now.value = Date.now()), CLOCK_MS)
    const mine = f
    let released = false
    return () => {
      if (released) return
      released = true
      if (--mine.refs > 0) return
      stopRetry(mine)
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
    void fetcher.fetchStatus(f)
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
    for (const f of followed.values()) stopRetry(f)
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
