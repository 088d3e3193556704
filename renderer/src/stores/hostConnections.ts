// The live SSH connection state of every host record: loaded with host.connections, kept
// current by the hostConnection event (a cut link shows up within seconds, a healed one too).
import { defineStore } from 'pinia'
import { onScopeDispose, shallowRef, watch } from 'vue'
import type { AppError } from '../../../shared/errors'
import { idleConnection, nextShown, type ShownConnection } from '../hosts/connectionState'
import { asAppError } from './errors'
import { useBridge } from './bridge'
import { useConnectionStore } from './connection'
import { loadOnEverySession } from './sessions'
import { useHostsStore } from './hosts'

export const useHostConnectionsStore = defineStore('hostConnections', () => {
  const { client } = useBridge()
  const connection = useConnectionStore()
  const hosts = useHostsStore()

  const byName = shallowRef<Readonly<Record<string, ShownConnection>>>({})
  const loadError = shallowRef<AppError | null>(null)
  // Each event bumps the clock and stamps its host: a load that started before an event keeps
  // that event's state for that host (the list it returns may be older).
  let clock = 0
  const stamped = new Map<string, number>()

  onScopeDispose(
    client.on('hostConnection', (c) => {
      stamped.set(c.name, ++clock)
      byName.value = { ...byName.value, [c.name]: nextShown(byName.value[c.name], c) }
    }),
  )

  async function load(): Promise<void> {
    const started = clock
    try {
      const list = await client.host.connections({})
      const next: Record<string, ShownConnection> = {}
      for (const c of list) {
        const current = byName.value[c.name]
        next[c.name] = current && (stamped.get(c.name) ?? 0) > started ? current : nextShown(current, c)
      }
      byName.value = next
      loadError.value = null
    } catch (err) {
      loadError.value = asAppError(err)
    }
  }

  // After every (re)connection to the core, and whenever the records change (a new or renamed
  // record has a state to show; a removed one has none).
  loadOnEverySession(load)
  watch(
    () => hosts.hosts,
    () => {
      if (connection.connected) void load()
    },
  )

  function of(name: string): ShownConnection {
    return byName.value[name] ?? idleConnection(name)
  }

  return { byName, loadError, load, of }
})
