// The fence watcher's decisions (pure, with fakes): when a member the record marks fenced is
// fenced again, and when it is left alone.
import { describe, expect, it } from 'vitest'
import type { PgCluster } from '../../../shared/postgres'
import type { ClusterStatus, MemberStatus } from '../../../shared/status'
import type { StatusServiceEvent } from '../status'
import { createFenceWatcher } from './fence-watcher'

const cluster = { id: 'c', fenced: ['a'] } as unknown as PgCluster
const member = (name: string, over: Partial<MemberStatus>): MemberStatus => ({ name, state: 'up', writable: false, down: null, ...over }) as MemberStatus
const snap = (a: Partial<MemberStatus>): ClusterStatus => ({ cluster: 'c', members: [member('a', a), member('b', { writable: true })] }) as unknown as ClusterStatus

function watcher(status: ClusterStatus, busy = false, fails = false) {
  const fenced: { member: string; upstream: string | null }[] = []
  const logged: string[] = []
  const w = createFenceWatcher({
    fencedOf: () => cluster.fenced,
    cluster: async () => cluster,
    snapshot: () => status,
    busy: () => busy,
    fence: async (_c, m, upstream) => {
      if (fails) throw new Error('no route to host')
      fenced.push({ member: m, upstream })
      return 'fenced' as const
    },
    log: (message, err) => logged.push(err ? `${message}: ${(err as Error).message}` : message),
  })
  return { w, fenced, logged }
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

  it('a member rejoined and fenced again is a new episode: its fence is written again', async () => {
    const fencedNow = { list: ['a'] }
    const done: string[] = []
    const w = createFenceWatcher({
      fencedOf: () => fencedNow.list,
      cluster: async () => ({ ...cluster, fenced: fencedNow.list }) as unknown as PgCluster,
      snapshot: () => snap({ state: 'down', writable: null, down: { code: 'not_running', reason: '', since: '' } }),
      busy: () => false,
      fence: async (_c, m) => (done.push(m), 'files' as const),
      log: () => undefined,
    })
    await w.onStatus('c')
    fencedNow.list = [] // rejoined
    await w.onStatus('c')
    fencedNow.list = ['a'] // fenced by a later failover, its host back with the server stopped
    await w.onStatus('c')
    expect(done).toEqual(['a', 'a'])
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

  it('acts on snapshots and diffs, not on heartbeats, and says what it did or could not do', async () => {
    const event = (kind: string) => ({ name: 'statusChanged', payload: { kind, cluster: 'c' } }) as unknown as StatusServiceEvent
    const { w, fenced, logged } = watcher(snap({ writable: true }))
    w.onEvent(event('heartbeat'))
    await new Promise((r) => setTimeout(r, 10))
    expect(fenced).toEqual([])
    w.onEvent(event('diff'))
    await new Promise((r) => setTimeout(r, 10))
    expect(fenced).toEqual([{ member: 'a', upstream: 'b' }])
    expect(logged).toEqual(['a of c was fenced but accepted writes again: stopped and fenced'])
    const failing = watcher(snap({ writable: true }), false, true)
    await failing.w.onStatus('c')
    expect(failing.logged).toEqual(['Could not fence a of c; ReplicaDesk tries again on the next status change: no route to host'])
  })
})
