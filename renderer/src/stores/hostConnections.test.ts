import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import type { Host } from '../../../shared/hosts'
import { useHostConnectionsStore } from './hostConnections'
import { useHostsStore } from './hosts'
import { fakeBridge, settle, type FakeBridge } from './testing/fakeBridge'

const host = (name: string): Host => ({ id: name, name, address: '10.0.0.1', port: 22, user: 'pg', createdAt: 't', updatedAt: 't' })
const conn = (name: string, state: string, since = 't', reason?: string) => ({ name, state, since, ...(reason ? { reason } : {}) })

describe('useHostConnectionsStore', () => {
  let bridge: FakeBridge

  beforeEach(() => {
    bridge = fakeBridge()
    setActivePinia(createPinia())
  })

  async function started() {
    const hosts = useHostsStore()
    const store = useHostConnectionsStore()
    bridge.connect()
    await settle()
    bridge.answer('host.list', { ok: true, value: [host('a'), host('b')] })
    await settle()
    return { hosts, store }
  }

  it('loads the states once connected and whenever the records change; unknown hosts are idle', async () => {
    const { store } = await started()
    expect(bridge.pending('host.connections').length).toBeGreaterThan(0)
    while (bridge.pending('host.connections').length) bridge.answer('host.connections', { ok: true, value: [conn('a', 'connected')] })
    await settle()
    expect(store.of('a').state).toBe('connected')
    expect(store.of('b')).toMatchObject({ state: 'idle', retrying: false })

    bridge.emit('hostsChanged', { hosts: [host('a')] })
    await settle()
    expect(bridge.pending('host.connections')).toHaveLength(1)
  })

  it('follows hostConnection events, and a load that started earlier does not undo them', async () => {
    const { store } = await started()
    bridge.emit('hostConnection', conn('a', 'unreachable', 't2', 'stopped answering'))
    // the loads that started before the event reply with an older state
    while (bridge.pending('host.connections').length) bridge.answer('host.connections', { ok: true, value: [conn('a', 'connected'), conn('b', 'connecting')] })
    await settle()
    expect(store.of('a')).toMatchObject({ state: 'unreachable', reason: 'stopped answering' })
    expect(store.of('b').state).toBe('connecting')

    bridge.emit('hostConnection', conn('a', 'connecting', 't3'))
    expect(store.of('a')).toMatchObject({ state: 'unreachable', since: 't2', retrying: true })
    bridge.emit('hostConnection', conn('a', 'connected', 't4'))
    expect(store.of('a')).toMatchObject({ state: 'connected', retrying: false })
  })

  it('records a failed load and keeps what it showed', async () => {
    const { store } = await started()
    bridge.emit('hostConnection', conn('a', 'connected'))
    while (bridge.pending('host.connections').length) bridge.answer('host.connections', { ok: false, error: { code: 'transport', message: 'gone' } })
    await settle()
    expect(store.loadError?.code).toBe('transport')
    expect(store.of('a').state).toBe('connected')
  })
})
