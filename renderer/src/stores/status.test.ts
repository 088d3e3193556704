import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { ClusterStatus, StatusEvent } from '../../../shared/status'
import { bigCluster, clusterOf, historyOf, iso, primaryMember, standbyMember, T0 } from '../status/testing/fixtures'
import { useStatusStore } from './status'
import { fakeBridge, settle, type FakeBridge } from './testing/fakeBridge'

const diff = (seq: number, members: { name: string; changes: Record<string, unknown> }[], clusterChanges?: Record<string, unknown>): StatusEvent =>
  ({ kind: 'diff', cluster: 'c1', seq, at: iso(T0 + seq * 1000), members, ...(clusterChanges ? { clusterChanges } : {}) }) as StatusEvent
const heartbeat = (seq: number, at = T0 + seq * 1000 + 500): StatusEvent => ({ kind: 'heartbeat', cluster: 'c1', seq, at: iso(at) })

describe('useStatusStore', () => {
  let bridge: FakeBridge

  beforeEach(() => {
    bridge = fakeBridge()
    setActivePinia(createPinia())
  })

  /** A store following c1, connected, with its first status (seq 3) and history answered. */
  async function following(first: ClusterStatus = { ...bigCluster(3), seq: 3 }) {
    const store = useStatusStore()
    bridge.connect()
    await settle()
    const release = store.follow('c1')
    await settle()
    expect(bridge.pending('status.get')).toHaveLength(1)
    expect(bridge.pending('status.get')[0]!.input).toEqual({ cluster: 'c1' })
    bridge.answer('status.get', { ok: true, value: first })
    await settle()
    expect(bridge.pending('status.history')).toHaveLength(1)
    bridge.answer('status.history', { ok: true, value: historyOf(first, 5, T0) })
    await settle()
    return { store, release }
  }

  it('reads the status and the history of a followed cluster once connected', async () => {
    const store = useStatusStore()
    store.follow('c1')
    await settle()
    expect(bridge.pending('status.get')).toHaveLength(0) // not connected yet
    bridge.connect()
    await settle()
    bridge.answer('status.get', { ok: true, value: { ...bigCluster(3), seq: 3 } })
    await settle()
    bridge.answer('status.history', { ok: true, value: historyOf(bigCluster(3), 5, T0) })
    await settle()
    expect(store.statusOf('c1')?.seq).toBe(3)
    expect(store.memberNames('c1')).toEqual(['db1', 'db2', 'db3'])
    expect(store.historyOf('c1').history?.length).toBe(5)
    expect(store.statusOf('other')).toBeNull()
  })

  it('applies diffs in order, keeping unchanged members and the name list as they were, and adds history rows', async () => {
    const { store } = await following()
    const names = store.memberNames('c1')
    const db1 = store.member('c1', 'db1')
    const db3 = store.member('c1', 'db3')
    const rows = store.historyOf('c1').history!.length
    bridge.emit('statusChanged', diff(4, [{ name: 'db2', changes: { lagBytes: 4096, lagSeconds: 0.5, replayLsn: '0/4FFF000' } }]))
    expect(store.member('c1', 'db2')).toMatchObject({ lagBytes: 4096, lagSeconds: 0.5 })
    expect(store.member('c1', 'db1')).toBe(db1)
    expect(store.member('c1', 'db3')).toBe(db3)
    expect(store.memberNames('c1')).toBe(names)
    expect(store.historyOf('c1').history!.length).toBe(rows + 1)
    expect(store.historyOf('c1').history!.columns.get('db2')!.bytes.at(-1)).toBe(4096)

    // a heartbeat that agrees extends the lines; an old diff is ignored
    bridge.emit('statusChanged', heartbeat(4))
    bridge.emit('statusChanged', diff(3, [{ name: 'db2', changes: { lagBytes: 1 } }]))
    expect(store.historyOf('c1').history!.length).toBe(rows + 2)
    expect(store.member('c1', 'db2')!.lagBytes).toBe(4096)
    expect(bridge.pending('status.get')).toHaveLength(0)
    expect(store.statsOf('c1')).toMatchObject({ applied: 1, refetches: 1 })
  })

  it('a gap asks status.get again; events meanwhile are replayed on its answer', async () => {
    const { store } = await following()
    bridge.emit('statusChanged', diff(6, [{ name: 'db2', changes: { lagBytes: 6 } }]))
    expect(bridge.pending('status.get')).toHaveLength(1)
    expect(store.statsOf('c1')!.lastWhy).toContain('missed 2')
    // while it is on its way
    bridge.emit('statusChanged', diff(7, [{ name: 'db3', changes: { lagBytes: 7 } }]))
    bridge.emit('statusChanged', diff(8, [{ name: 'db2', changes: { lagBytes: 8 } }]))
    expect(store.member('c1', 'db3')!.lagBytes).toBe(0) // not applied to the old copy
    const fetched = bigCluster(3)
    fetched.members[1] = { ...fetched.members[1]!, lagBytes: 6 }
    bridge.answer('status.get', { ok: true, value: { ...fetched, seq: 6, at: iso(T0 + 6000) } })
    await settle()
    expect(store.statusOf('c1')!.seq).toBe(8)
    expect(store.member('c1', 'db2')!.lagBytes).toBe(8)
    expect(store.member('c1', 'db3')!.lagBytes).toBe(7)
    expect(bridge.pending('status.get')).toHaveLength(0)
  })

  it('an answer that is behind the events asks again, a little later', async () => {
    const { store } = await following()
    bridge.emit('statusChanged', heartbeat(9))
    expect(bridge.pending('status.get')).toHaveLength(1)
    bridge.emit('statusChanged', diff(11, [{ name: 'db2', changes: { lagBytes: 11 } }])) // 10 never arrives
    bridge.answer('status.get', { ok: true, value: { ...bigCluster(3), seq: 9 } })
    await settle()
    expect(store.statusOf('c1')!.seq).toBe(9)
    expect(bridge.pending('status.get')).toHaveLength(0)
    await vi.waitFor(() => expect(bridge.pending('status.get')).toHaveLength(1), { timeout: 1000, interval: 20 })
    bridge.answer('status.get', { ok: true, value: { ...bigCluster(3), seq: 11 } })
    await settle()
    expect(store.statusOf('c1')!.seq).toBe(11)
  })

  it('a heartbeat with another seq asks again; an error is kept until an answer comes', async () => {
    const { store } = await following()
    bridge.emit('statusChanged', heartbeat(5))
    bridge.answer('status.get', { ok: false, error: { code: 'not_found', message: 'Cluster c1 is not being watched.' } })
    await settle()
    expect(store.errorOf('c1')?.message).toContain('not being watched')
    expect(store.statusOf('c1')!.seq).toBe(3) // what it had stays
    bridge.emit('statusChanged', heartbeat(5))
    bridge.answer('status.get', { ok: true, value: { ...bigCluster(3), seq: 5 } })
    await settle()
    expect(store.errorOf('c1')).toBeNull()
    // a heartbeat that agrees also says the copy is current
    bridge.emit('statusChanged', heartbeat(6))
    bridge.answer('status.get', { ok: false, error: { code: 'transport', message: 'gone' } })
    await settle()
    expect(store.errorOf('c1')?.code).toBe('transport')
    bridge.emit('statusChanged', heartbeat(5))
    expect(store.errorOf('c1')).toBeNull()
  })

  it('a snapshot with other members starts a new history and asks for it', async () => {
    const { store } = await following()
    const snapshot = clusterOf([primaryMember('db1'), standbyMember('db2', 'db1'), standbyMember('db3', 'db1'), standbyMember('db4', 'db1')], { seq: 3 })
    bridge.emit('statusChanged', { kind: 'snapshot', cluster: 'c1', seq: 3, at: iso(T0 + 3000), snapshot })
    expect(store.memberNames('c1')).toEqual(['db1', 'db2', 'db3', 'db4'])
    expect(store.historyOf('c1').history!.names).toEqual(['db1', 'db2', 'db3', 'db4'])
    expect(store.historyOf('c1').history!.length).toBe(1)
    expect(bridge.pending('status.history')).toHaveLength(1)
  })

  it('a failed status.history is asked again with an update, not more than every 10 s', async () => {
    const store = useStatusStore()
    bridge.connect()
    await settle()
    store.follow('c1')
    await settle()
    bridge.answer('status.get', { ok: true, value: { ...bigCluster(3), seq: 3 } })
    await settle()
    bridge.answer('status.history', { ok: false, error: { code: 'not_found', message: 'Cluster c1 is not being watched.' } })
    await settle()
    bridge.emit('statusChanged', diff(4, [{ name: 'db2', changes: { lagBytes: 4 } }]))
    expect(bridge.pending('status.history')).toHaveLength(0)
    const later = Date.now() + 10_001
    const now = vi.spyOn(Date, 'now').mockReturnValue(later)
    try {
      bridge.emit('statusChanged', diff(5, [{ name: 'db2', changes: { lagBytes: 5 } }]))
      expect(bridge.pending('status.history')).toHaveLength(1)
    } finally {
      now.mockRestore()
    }
    bridge.answer('status.history', { ok: true, value: historyOf(bigCluster(3), 5, T0) })
    await settle()
    // the rows the two updates brought stay after the loaded ones (which end at the first status' time)
    expect(store.historyOf('c1').history!.length).toBe(5 + 2)
  })

  it('reads everything again after a reconnection', async () => {
    await following()
    bridge.connect()
    await settle()
    expect(bridge.pending('status.get')).toHaveLength(1)
    bridge.answer('status.get', { ok: true, value: { ...bigCluster(3), seq: 40 } })
    await settle()
    expect(bridge.pending('status.history')).toHaveLength(1)
  })

  it('raises and clears the split-brain alarm from the event and from the status', async () => {
    const { store } = await following()
    const e = { cluster: 'c1', active: true, members: ['db1', 'db2'], since: iso(T0), at: iso(T0), message: 'Split brain in cluster c1: db1 and db2 both accept writes.' }
    bridge.emit('splitBrain', e)
    expect(store.splitBrainOf('c1')).toEqual({ members: ['db1', 'db2'], since: iso(T0), message: e.message })
    bridge.emit('splitBrain', { ...e, active: false, members: [] })
    expect(store.splitBrainOf('c1')).toBeNull()
    bridge.emit('statusChanged', diff(4, [], { splitBrain: { members: ['db1', 'db3'], since: iso(T0), message: 'm' }, primary: null }))
    expect(store.splitBrainOf('c1')?.members).toEqual(['db1', 'db3'])
  })

  it('stops following when the last panel lets go', async () => {
    const { store, release } = await following()
    const second = store.follow('c1')
    release()
    release() // twice is once
    expect(store.statusOf('c1')).not.toBeNull()
    second()
    expect(store.statusOf('c1')).toBeNull()
    bridge.emit('statusChanged', heartbeat(99))
    expect(bridge.pending('status.get')).toHaveLength(0)
  })
})
