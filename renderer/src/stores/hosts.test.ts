import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import type { Host } from '../../../shared/hosts'
import { useHostsStore } from './hosts'
import { fakeBridge, settle } from './testing/fakeBridge'

const host = (name: string, id = name): Host => ({
  id,
  name,
  address: '10.0.0.1',
  port: 22,
  user: 'admin',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
})

describe('useHostsStore', () => {
  let bridge: ReturnType<typeof fakeBridge>

  beforeEach(() => {
    bridge = fakeBridge()
    setActivePinia(createPinia())
  })

  it('loads when connected and again after every reconnection', async () => {
    const store = useHostsStore()
    expect(bridge.calls).toHaveLength(0)
    bridge.connect()
    await settle()
    expect(bridge.calls.map((c) => c.method)).toEqual(['host.list'])
    bridge.calls[0]!.reply({ ok: true, value: [host('b'), host('a')] })
    await settle()
    expect(store.sorted.map((h) => h.name)).toEqual(['a', 'b'])
    expect(store.loaded).toBe(true)

    bridge.connect()
    await settle()
    expect(bridge.calls.map((c) => c.method)).toEqual(['host.list', 'host.list'])
  })

  it('takes the list from hostsChanged, and a load that started earlier does not overwrite it', async () => {
    const store = useHostsStore()
    bridge.connect()
    await settle()
    bridge.emit('hostsChanged', { hosts: [host('new')] })
    bridge.calls[0]!.reply({ ok: true, value: [host('old')] })
    await settle()
    expect(store.hosts.map((h) => h.name)).toEqual(['new'])
  })

  it('shows an added or edited record at once, by id', async () => {
    const store = useHostsStore()
    bridge.connect()
    await settle()
    bridge.calls[0]!.reply({ ok: true, value: [host('a', 'id-a')] })
    await settle()

    const adding = store.add({ name: 'b', address: '10.0.0.2', user: 'admin' })
    await settle()
    bridge.calls[1]!.reply({ ok: true, value: host('b', 'id-b') })
    await adding
    expect(store.sorted.map((h) => h.name)).toEqual(['a', 'b'])

    const editing = store.edit({ name: 'a', newName: 'c' })
    await settle()
    bridge.calls[2]!.reply({ ok: true, value: host('c', 'id-a') })
    await editing
    expect(store.sorted.map((h) => h.name)).toEqual(['b', 'c'])
  })

  it('keeps the list and records the error when a load fails', async () => {
    const store = useHostsStore()
    bridge.connect()
    await settle()
    bridge.calls[0]!.reply({ ok: false, error: { code: 'store_corrupt', message: 'hosts.json was unreadable' } })
    await settle()
    expect(store.loadError?.code).toBe('store_corrupt')
    expect(store.loaded).toBe(false)
  })
})
