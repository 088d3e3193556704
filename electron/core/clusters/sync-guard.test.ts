// The "available" policy's decisions (pure, with fakes and a fake clock): relax only after the
// wait, only for "available", never during an operation; restore when the replicas meet it.
import { describe, expect, it } from 'vitest'
import type { PgCluster } from '../../../shared/postgres'
import type { ClusterStatus } from '../../../shared/status'
import { createSyncGuard } from './sync-guard'

function world(policy: 'strict' | 'available', relaxedSince?: string) {
  let record = { id: 'c', lostSync: { policy, afterS: 10 }, ...(relaxedSince && { relaxedSince }) } as unknown as PgCluster
  let unmet: string | undefined = 'ANY 1 of b, c needs 1 streaming, none stream'
  let clock = 0
  let busy = false
  const acts: string[] = []
  const guard = createSyncGuard({
    store: { find: async () => record, update: async (_id, change) => void (record = change(record) as PgCluster) },
    snapshot: () => ({ primary: 'a' }) as ClusterStatus,
    busy: () => busy,
    unmet: () => unmet,
    relax: async () => (acts.push('relax'), ''),
    restore: async () => (acts.push('restore'), true),
    log: () => undefined,
    changed: () => undefined,
    now: () => clock,
  })
  return {
    guard,
    acts,
    get record() {
      return record
    },
    at: (ms: number) => void (clock = ms),
    back: () => void (unmet = undefined),
    setBusy: (b: boolean) => void (busy = b),
  }
}

describe('sync guard', () => {
  it('available: relaxes once the wait is over, marks the record, restores when the replicas are back', async () => {
    const w = world('available')
    await w.guard.check('c')
    w.at(9_000)
    await w.guard.check('c')
    expect(w.acts).toEqual([])
    w.at(10_000)
    await w.guard.check('c')
    expect(w.acts).toEqual(['relax'])
    expect(w.record.relaxedSince).toBe(new Date(10_000).toISOString())
    w.back()
    await w.guard.check('c')
    expect(w.acts).toEqual(['relax', 'restore'])
    expect(w.record.relaxedSince).toBeUndefined()
  })

  it('strict never relaxes; a relaxed record is restored whatever the policy', async () => {
    const w = world('strict')
    await w.guard.check('c')
    w.at(60_000)
    await w.guard.check('c')
    expect(w.acts).toEqual([])
    const left = world('strict', '2026-01-01T00:00:00Z')
    left.back()
    await left.guard.check('c')
    expect(left.acts).toEqual(['restore'])
  })

  it('leaves a cluster alone while an operation runs on it', async () => {
    const w = world('available')
    w.setBusy(true)
    w.at(0)
    await w.guard.check('c')
    w.at(60_000)
    await w.guard.check('c')
    expect(w.acts).toEqual([])
  })
})
