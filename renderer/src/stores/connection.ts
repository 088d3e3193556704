// Whether the UI can reach the core right now, and since when it cannot.
import { defineStore } from 'pinia'
import { computed, onScopeDispose, ref, shallowRef } from 'vue'
import type { ConnectionStatus } from '../bridge'
import { useBridge } from './bridge'

export const useConnectionStore = defineStore('connection', () => {
  const { connection } = useBridge()
  const status = shallowRef<ConnectionStatus>(connection.status)
  const now = ref(Date.now())
  let ticker: ReturnType<typeof setInterval> | null = null

  // A one-second clock, only while a retry countdown is shown.
  const syncTicker = () => {
    if (status.value.retryAt !== null && !ticker) ticker = setInterval(() => (now.value = Date.now()), 1000)
    if (status.value.retryAt === null && ticker) {
      clearInterval(ticker)
      ticker = null
    }
  }
  const unsubscribe = connection.subscribe((next) => {
    status.value = next
    now.value = Date.now()
    syncTicker()
  })
  onScopeDispose(() => {
    unsubscribe()
    if (ticker) clearInterval(ticker)
  })

  const state = computed(() => status.value.state)
  const connected = computed(() => status.value.state === 'connected')
  /** Grows with every (re)connection: stores watch it to reload what they show. */
  const sessions = computed(() => status.value.sessions)
  const problem = computed(() => status.value.problem)
  /** Whole seconds until the next attempt, or null while an attempt is running. */
  const retryInSeconds = computed(() => {
    const at = status.value.retryAt
    return at === null ? null : Math.max(0, Math.ceil((at - now.value) / 1000))
  })

  function retryNow(): void {
    connection.retryNow()
  }

  return { status, state, connected, sessions, problem, retryInSeconds, retryNow }
})
