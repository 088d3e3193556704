import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import type { ActivityEntry } from '../../../shared/ssh'
import { mergeEntries, useActivityStore } from './activity'
import { useHostsStore } from './hosts'
import { fakeBridge, settle, type FakeBridge } from './testing/fakeBridge'

const entry = (id: string, startedAt: string, host = 'pg@10.0.0.1'): ActivityEntry => ({ id, host, argv: ['true'], startedAt, durationMs: 1, exitCode: 0 })

describe('mergeEntries', () => {
  it('is newest first, one copy per id', () => {
    const merged = mergeEntries([entry('a', '2026-01-01T00:00:01Z'), entry('b', '2026-01-01T00:00:03Z')], [entry('c', '2026-01-01T00:00:02Z'), entry('a', '2026-01-01T00:00:01Z')])
    expect(merged.map((e) => e.id)).toEqual(['b', 'c', 'a'])
  })
})

describe('useActivityStore', () => {
  let bridge: FakeBridge

  beforeEach(() => {
    bridge = fakeBridge()
    setActivePinia(createPinia())
  })

  it('loads once connected, adds live entries on top, and keeps those that arrived during the load', async () => {
    useHostsStore()
    const store = useActivityStore()
    bridge.connect()
    await settle()
    bridge.answer('host.list', { ok: true, value: [{ id: 'h', name: 'db1', address: '10.0.0.1', port: 22, user: 'pg', createdAt: 't', updatedAt: 't' }] })
    bridge.emit('activity', entry('live1', '2026-01-01T00:00:05Z'))
    bridge.answer('activity.list', { ok: true, value: [entry('old', '2026-01-01T00:00:01Z')] })
    await settle()
    expect(store.entries.map((e) => e.id)).toEqual(['live1', 'old'])
    bridge.emit('activity', entry('live2', '2026-01-01T00:00:06Z', 'admin@10.0.0.2:2222'))
    expect(store.entries.map((e) => e.id)).toEqual(['live2', 'live1', 'old'])

    expect(store.hostChoices).toEqual([
      { value: 'admin@10.0.0.2:2222', label: 'admin@10.0.0.2:2222' },
      { value: 'pg@10.0.0.1', label: 'db1 (pg@10.0.0.1)' },
    ])
    store.hostFilter = 'admin@10.0.0.2:2222'
    expect(store.shown.map((e) => e.id)).toEqual(['live2'])
  })

  it('folds the repeats of the status poll into one row by default; showEvery lists every entry', async () => {
    const store = useActivityStore()
    bridge.connect()
    await settle()
    const polls = [1, 2, 3, 4].map((s) => ({ ...entry(`p${s}`, `2026-01-01T00:00:0${s}Z`), origin: 'status' as const }))
    bridge.answer('activity.list', { ok: true, value: [...polls, { ...entry('t', '2026-01-01T00:00:05Z'), argv: ['cat', '/etc/os-release'] }] })
    await settle()
    expect(store.rows.map((r) => [r.entry.id, r.count])).toEqual([
      ['t', 1],
      ['p4', 4],
    ])
    expect(store.folded).toBe(3)
    store.showEvery = true
    expect(store.rows.map((r) => r.entry.id)).toEqual(['t', 'p4', 'p3', 'p2', 'p1'])
    expect(store.folded).toBe(0)
  })
})
