// Loads on the first connection to the core and again after every reconnection: events sent
// while the socket was down are lost, so what a store shows must be asked for again.
import { watch } from 'vue'
import { useConnectionStore } from './connection'

export function loadOnEverySession(load: () => Promise<void>): void {
  const connection = useConnectionStore()
  watch(
    () => connection.sessions,
    (sessions) => {
      if (sessions > 0) void load()
    },
    { immediate: true },
  )
}
