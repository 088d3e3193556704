// The fence watcher's decisions (pure, with fakes): when a member the record marks fenced is
// fenced again, and when it is left alone.
import { describe, expect, it } from 'vitest'
import type { PgCluster } from '../../../shared/postgres'
import type { ClusterStatus, MemberStatus } from '../../../shared/status'
import { createFenceWatcher } from './fence-watcher'

const cluster = { id: 'c', fenced: ['a'] } as unknown as PgCluster
const member = (name: string, over: Partial<MemberStatus>): MemberStatus => ({ name, state: 'up', writable: false, down: null, ...over }) as MemberStatus
const snap = (a: Partial<MemberStatus>): ClusterStatus => ({ cluster: 'c', members: [member('a', a), member('b', { writable: true })] }) as unknown as ClusterStatus

function watcher(status: ClusterStatus, busy = false) {
  const fenced: { member: string; upstream: string | null }[] = []
  const w = createFenceWatcher({
    fencedOf: () => cluster.fenced,
    cluster: async () => cluster,
    snapshot: () => status,
    busy: () => busy,
    fence: async (_c, m, upstream) => (fenced.push({ member: m, upstream }), 'fenced' as const),
    log: () => undefined,
  })
  return { w, fenced }
}

describe('fence watcher', () => {
  it('fences a fenced member seen accepting writes, following the one writable member', async () => {
    const { w, fenced } = watcher(snap({ writable: true }))
    await w.onStatus('c')
    expect(fenced).toEqual([{ member: 'a', upstream: 'b' }])
  })

  it('writes the fence once when the host answers with the server stopped, not on every event', async () => {
    const { w, fenced } = watcher(snap({ state: 'down', writable: null, down: { code: 'not_running', reason: '', since: '' } }))
    await w.onStatus('c')
    await w.onStatus('c')
    expect(fenced).toHaveLength(1)
  })

  it('leaves alone a fenced member that is down for good, a standby, or any member while an operation runs', async () => {
    const unreachable = watcher(snap({ state: 'down', writable: null, down: { code: 'ssh_unreachable', reason: '', since: '' } }))
    await unreachable.w.onStatus('c')
    const standby = watcher(snap({ writable: false }))
    await standby.w.onStatus('c')
    const busy = watcher(snap({ writable: true }), true)
    await busy.w.onStatus('c')
    expect([...unreachable.fenced, ...standby.fenced, ...busy.fenced]).toEqual([])
  })
})
