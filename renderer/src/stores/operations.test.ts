import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { names, oid, op, progress } from '../operations/testing'
import { useOperationsStore } from './operations'
import { fakeBridge, settle, type FakeBridge } from './testing/fakeBridge'

describe('useOperationsStore', () => {
  let bridge: FakeBridge

  beforeEach(() => {
    bridge = fakeBridge()
    setActivePinia(createPinia())
  })

  async function loaded(list = [op({ name: 'a', status: 'succeeded', createdAt: '2026-01-01T00:00:01Z' })]) {
    const store = useOperationsStore()
    bridge.connect()
    await settle()
    bridge.answer('operation.list', { ok: true, value: list })
    await settle()
    return store
  }

  it('loads once connected and again after a reconnection, where an interrupted one shows as such', async () => {
    const store = await loaded([op({ name: 'a', status: 'running', updatedAt: '2026-01-01T00:00:01Z' })])
    expect(names(store.active)).toEqual(['a'])
    bridge.connect()
    await settle()
    bridge.answer('operation.list', { ok: true, value: [op({ name: 'a', status: 'interrupted', updatedAt: '2026-01-01T00:00:09Z' })] })
    await settle()
    expect(store.active).toEqual([])
    expect(names(store.undecided)).toEqual(['a'])
  })

  it('keeps what events said during a load, when it is newer than the reply', async () => {
    const store = useOperationsStore()
    bridge.connect()
    await settle()
    bridge.emit('operationChanged', { operation: op({ name: 'b', status: 'succeeded', updatedAt: '2026-01-01T00:00:05Z' }) })
    bridge.answer('operation.list', { ok: true, value: [op({ name: 'b', status: 'running', updatedAt: '2026-01-01T00:00:02Z' })] })
    await settle()
    expect(store.operations.map((o) => o.status)).toEqual(['succeeded'])
  })

  it('moves the bar with operationProgress, and fetches an operation it hears of only that way', async () => {
    const store = await loaded([op({ name: 'a', status: 'running' })])
    bridge.emit('operationProgress', { operationId: oid('a'), clusterId: 'c1', progress: progress(30, '2026-01-01T00:00:02Z', { bytesPerSecond: 1e6 }) })
    expect(store.operations[0]!.progress?.percent).toBe(30)

    bridge.emit('operationProgress', { operationId: oid('new'), clusterId: 'c1', progress: progress(5, '2026-01-01T00:00:03Z') })
    bridge.emit('operationProgress', { operationId: oid('new'), clusterId: 'c1', progress: progress(6, '2026-01-01T00:00:04Z') })
    expect(bridge.pending('operation.get')).toHaveLength(1) // asked once
    bridge.answer('operation.get', { ok: true, value: op({ name: 'new', createdAt: '2026-01-01T00:00:03Z' }) })
    await settle()
    expect(names(store.operations)).toEqual(['new', 'a'])
  })

  it('filters by cluster, and resume or abandon put the returned summary in place', async () => {
    const store = await loaded([op({ name: 'a', clusterId: 'x', status: 'failed' }), op({ name: 'b', clusterId: 'y', status: 'succeeded' })])
    store.clusterFilter = 'x'
    expect(names(store.shown)).toEqual(['a'])
    expect(store.clusterIds).toEqual(['x', 'y'])

    const resuming = store.resume(oid('a'))
    expect(store.acting).toEqual({ [oid('a')]: 'resume' })
    await settle()
    expect(bridge.pending('operation.resume')[0]!.input).toEqual({ id: oid('a') })
    bridge.answer('operation.resume', { ok: true, value: op({ name: 'a', clusterId: 'x', status: 'running', updatedAt: '2026-01-01T00:01:00Z' }) })
    await resuming
    expect(store.acting).toEqual({})
    expect(names(store.active)).toEqual(['a'])

    const abandoning = store.abandon(oid('a'))
    await settle()
    bridge.answer('operation.abandon', { ok: false, error: { code: 'conflict', message: 'Another operation holds the cluster lease.' } })
    await expect(abandoning).rejects.toMatchObject({ code: 'conflict' })
    expect(store.acting).toEqual({})
  })
})
