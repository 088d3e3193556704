// Operations (create cluster, add or remove a replica …): the journal the core keeps, loaded
// once connected and again after every reconnection (events sent while the socket was down are
// lost), kept live by operationChanged (full summaries) and operationProgress (the bar).
import { defineStore } from 'pinia'
import { computed, onScopeDispose, ref, shallowRef } from 'vue'
import type { AppError } from '../../../shared/errors'
import type { OperationSummary } from '../../../shared/operations'
import { isActive, needsDecision } from '../operations/format'
import { mergeOperations, mergeSummary, newestFirst, withProgress } from '../operations/merge'
import { asAppError } from './errors'
import { useBridge } from './bridge'
import { loadOnEverySession } from './sessions'

export const useOperationsStore = defineStore('operations', () => {
  const { client } = useBridge()

  const operations = shallowRef<OperationSummary[]>([])
  const loaded = ref(false)
  const loadError = shallowRef<AppError | null>(null)
  /** The Operations screen shows only this cluster's; null: all. */
  const clusterFilter = ref<string | null>(null)
  /** Operations whose Resume or Abandon is on its way. */
  const acting = ref<Record<string, 'resume' | 'abandon'>>({})
  const fetching = new Set<string>()

  /** Adds or updates one summary (never with an older one). */
  function put(op: OperationSummary): void {
    const list = operations.value
    const i = list.findIndex((o) => o.id === op.id)
    if (i < 0) {
      operations.value = [...list, op].sort(newestFirst)
      return
    }
    const merged = mergeSummary(list[i], op)
    if (merged === list[i]) return
    const next = [...list]
    next[i] = merged
    operations.value = next
  }

  /** An operation heard of only through its progress (started elsewhere while we missed its first event). */
  async function fetchOne(id: string): Promise<void> {
    if (fetching.has(id)) return
    fetching.add(id)
    try {
      put(await client.operation.get({ id }))
    } catch {
      // The next operationChanged or load brings it.
    } finally {
      fetching.delete(id)
    }
  }

  const offChanged = client.on('operationChanged', ({ operation }) => put(operation))
  const offProgress = client.on('operationProgress', ({ operationId, progress }) => {
    const next = withProgress(operations.value, operationId, progress)
    if (next === null) void fetchOne(operationId)
    else if (next !== operations.value) operations.value = next
  })
  onScopeDispose(() => {
    offChanged()
    offProgress()
  })

  async function load(): Promise<void> {
    try {
      const list = await client.operation.list({})
      // Summaries that events brought meanwhile win where they are newer (by updatedAt).
      operations.value = mergeOperations(list, operations.value)
      loaded.value = true
      loadError.value = null
    } catch (err) {
      loadError.value = asAppError(err)
    }
  }

  loadOnEverySession(load)

  async function act(id: string, kind: 'resume' | 'abandon'): Promise<OperationSummary> {
    acting.value = { ...acting.value, [id]: kind }
    try {
      const op = kind === 'resume' ? await client.operation.resume({ id }) : await client.operation.abandon({ id })
      put(op)
      return op
    } finally {
      const { [id]: _done, ...rest } = acting.value
      acting.value = rest
    }
  }

  const resume = (id: string) => act(id, 'resume')
  const abandon = (id: string) => act(id, 'abandon')

  const forCluster = (clusterId: string): OperationSummary[] => operations.value.filter((op) => op.clusterId === clusterId)
  /** Running now: their progress moves. */
  const active = computed(() => operations.value.filter(isActive))
  /** Interrupted or failed: waiting for Resume or Abandon. */
  const undecided = computed(() => operations.value.filter(needsDecision))
  const shown = computed(() => (clusterFilter.value ? forCluster(clusterFilter.value) : operations.value))
  /** Cluster ids that have operations, for the filter. */
  const clusterIds = computed(() => [...new Set(operations.value.map((op) => op.clusterId))].sort())

  return { operations, loaded, loadError, clusterFilter, acting, shown, active, undecided, clusterIds, put, load, resume, abandon, forCluster }
})
