import { describe, expect, it } from 'vitest'
import { memberLine, storeHealth } from './automatic'

const consensus = (up: string[], down: string[]) => ({ voters: up.length + down.length, up, down: down.map((name) => ({ name, error: 'context deadline exceeded' })), leader: up.length > 1 ? up[0]! : null, quorum: up.length > 1 })

describe('automatic failover on the card', () => {
  it('etcd health: all up, a majority, none', () => {
    expect(storeHealth({ store: 'etcd', consensus: consensus(['host1', 'host2', 'host3'], []) })).toEqual({ label: 'etcd 3/3', tone: 'ok', detail: 'host1 leads etcd.' })
    expect(storeHealth({ store: 'etcd', consensus: consensus(['host2', 'host3'], ['host1']) })).toMatchObject({ label: 'etcd 2/3', tone: 'warn', detail: 'host2 leads etcd. host1 down: context deadline exceeded' })
    expect(storeHealth({ store: 'etcd', consensus: consensus(['host1'], ['host2', 'host3']) })).toMatchObject({ label: 'etcd 1/3', tone: 'bad', detail: expect.stringMatching(/^No etcd leader\. etcd answers no read that needs its majority now\./) })
    expect(storeHealth({ store: 'etcd', consensus: null })).toMatchObject({ label: 'etcd ?', tone: 'none' })
  })

  it('a member in Patroni words', () => {
    expect(memberLine({ name: 'pt1', role: 'leader', state: 'running', timeline: 2, lagBytes: null, pendingRestart: false, noFailover: false })).toBe('leader · running · timeline 2')
    expect(memberLine({ name: 'pt2', role: 'sync_standby', state: 'streaming', timeline: 2, lagBytes: 0, pendingRestart: true, noFailover: true })).toBe('sync standby · streaming · timeline 2 · 0 B behind · restart pending · never promoted')
  })
})
