// The log of remote commands ReplicaDesk ran (secrets already redacted by the core): loaded
// once connected, then kept current by the activity event; newest first. Shown with the status
// poll's repeats (origin 'status') folded into one row each, unless every entry is asked for.
import { defineStore } from 'pinia'
import { computed, onScopeDispose, ref, shallowRef } from 'vue'
import type { AppError } from '../../../shared/errors'
import type { ActivityEntry } from '../../../shared/ssh'
import { connectionLabel } from '../activity/format'
import { groupRoutine, ungrouped, type ActivityRow } from '../activity/group'
import { asAppError } from './errors'
import { useBridge } from './bridge'
import { loadOnEverySession } from './sessions'
import { useHostsStore } from './hosts'

/** As many as the core keeps in memory and hands out in one call. */
export const activityLimit = 1000

const newestFirst = (a: ActivityEntry, b: ActivityEntry) => b.startedAt.localeCompare(a.startedAt)

/** Entries by id (later copies win), newest first, at most `activityLimit`. */
export function mergeEntries(...lists: readonly ActivityEntry[][]): ActivityEntry[] {
  const byId = new Map<string, ActivityEntry>()
  for (const list of lists) for (const e of list) byId.set(e.id, e)
  return [...byId.values()].sort(newestFirst).slice(0, activityLimit)
}

export interface HostChoice {
  /** The connection label the core logs (user@address[:port]). */
  value: string
  /** The host record's name when one matches, else the label. */
  label: string
}

export const useActivityStore = defineStore('activity', () => {
  const { client } = useBridge()
  const hosts = useHostsStore()

  const entries = shallowRef<ActivityEntry[]>([])
  const loaded = ref(false)
  const loadError = shallowRef<AppError | null>(null)
  /** Show only the commands of this connection label; null: all. */
  const hostFilter = ref<string | null>(null)
  /** Every entry as its own row; off: the status poll's repeats folded into one row each. */
  const showEvery = ref(false)
  let arrived: ActivityEntry[] | null = null // events received while a load runs

  onScopeDispose(
    client.on('activity', (entry) => {
      arrived?.push(entry)
      entries.value = mergeEntries(entries.value, [entry])
    }),
  )

  async function load(): Promise<void> {
    const during: ActivityEntry[] = []
    arrived = during
    try {
      const list = await client.activity.list({ limit: activityLimit })
      // The reply is the authority up to its moment; events since then come on top.
      entries.value = mergeEntries(list, during)
      loaded.value = true
      loadError.value = null
    } catch (err) {
      loadError.value = asAppError(err)
    } finally {
      if (arrived === during) arrived = null
    }
  }

  loadOnEverySession(load)

  /** Record name for a connection label, where a record matches it. */
  const recordByLabel = computed(() => new Map(hosts.hosts.map((h) => [connectionLabel(h), h.name])))
  const nameFor = (label: string): string | undefined => recordByLabel.value.get(label)

  const hostChoices = computed<HostChoice[]>(() => {
    const labels = new Set(entries.value.map((e) => e.host))
    if (hostFilter.value) labels.add(hostFilter.value)
    return [...labels]
      .map((value) => {
        const name = nameFor(value)
        return { value, label: name ? `${name} (${value})` : value }
      })
      .sort((a, b) => a.label.localeCompare(b.label, undefined, { numeric: true }))
  })

  const shown = computed(() => (hostFilter.value ? entries.value.filter((e) => e.host === hostFilter.value) : entries.value))
  /** The table's rows: the shown entries, routine repeats folded unless showEvery. */
  const rows = computed<ActivityRow[]>(() => (showEvery.value ? ungrouped(shown.value) : groupRoutine(shown.value)))
  /** Entries folded away into repeat rows (0 while every entry is shown). */
  const folded = computed(() => shown.value.length - rows.value.length)

  return { entries, shown, rows, folded, showEvery, loaded, loadError, hostFilter, hostChoices, nameFor, load }
})
