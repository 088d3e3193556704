import { describe, expect, it } from 'vitest'
import { patroniCluster as c, patroniInput as input, patroniView as status, running } from '../../../../../e2e/support/patroni/fixtures'
import { parseCluster } from '../model'
import { switchoverPair } from './switchover'
import { wantedCerts } from './tls'

describe('switchover through Patroni: who to whom', () => {
  it('synchronous mode: Patroni\'s synchronous standby, never another', () => {
    expect(switchoverPair(c, status)).toEqual({ from: 'pt1', to: 'pt2' })
    expect(switchoverPair(c, status, 'pt2')).toEqual({ from: 'pt1', to: 'pt2' })
    expect(() => switchoverPair(c, status, 'pt3')).toThrow(/only to its synchronous standby.*pt3 is replica.*now: pt2/)
    expect(() => switchoverPair(c, status, 'pt1')).toThrow(/leader already/)
  })

  it('asynchronous: the running replica with the least lag that may be promoted', () => {
    const a = parseCluster({ ...input, members: input.members.map((m) => ({ ...m, sync: false, neverPromote: false })) })
    const s = { ...status, members: [running('pt1', 'leader'), running('pt2', 'replica', 900), running('pt3', 'replica', 10)] }
    expect(switchoverPair(a, s)).toEqual({ from: 'pt1', to: 'pt3' })
  })

  it('no leader, paused, a stopped candidate: refused with the reason', () => {
    expect(() => switchoverPair(c, { ...status, leader: null })).toThrow(/no leader/)
    expect(() => switchoverPair(c, { ...status, paused: true })).toThrow(/paused/)
    expect(() => switchoverPair(c, { ...status, members: [running('pt1', 'leader'), { ...running('pt2', 'sync_standby'), state: 'stopped' }, running('pt3', 'replica')] }, 'pt2')).toThrow(/not running under Patroni \(stopped\)/)
  })
})

describe('etcd certificates', () => {
  it('a server certificate per voter with its address, a client one per member host', () => {
    expect(wantedCerts(c)).toEqual([
      { host: 'host1', name: 'etcd', owner: 'etcd', cn: 'etcd host1', kind: 'server', san: 'IP:10.0.0.11' },
      { host: 'host2', name: 'etcd', owner: 'etcd', cn: 'etcd host2', kind: 'server', san: 'IP:10.0.0.12' },
      { host: 'host3', name: 'etcd', owner: 'etcd', cn: 'etcd host3', kind: 'server', san: 'IP:10.0.0.13' },
      { host: 'host1', name: 'client', owner: 'postgres', cn: 'patroni host1', kind: 'client', san: '' },
      { host: 'host2', name: 'client', owner: 'postgres', cn: 'patroni host2', kind: 'client', san: '' },
      { host: 'host3', name: 'client', owner: 'postgres', cn: 'patroni host3', kind: 'client', san: '' },
    ])
    const named = parseCluster({ ...input, members: input.members.map((m, i) => ({ ...m, address: `db${i + 1}.lan` })) })
    expect(wantedCerts(named)[0]!.san).toBe('DNS:db1.lan')
  })
})
