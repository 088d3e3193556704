import { describe, expect, it } from 'vitest'
import { parseCluster, parseEtcdHealth, parseEtcdStatus } from './status'

describe('Patroni status parsing', () => {
  it('reads leader, roles, states, timelines and lag from GET /cluster (Patroni 3.0.2)', () => {
    const body = JSON.stringify({
      members: [
        { name: 'pt1', role: 'leader', state: 'running', api_url: 'http://10.0.0.11:8008/patroni', host: '10.0.0.11', port: 5460, timeline: 1 },
        { name: 'pt2', role: 'sync_standby', state: 'running', api_url: 'http://10.0.0.12:8008/patroni', host: '10.0.0.12', port: 5460, timeline: 1, lag: 0 },
        { name: 'pt3', role: 'replica', state: 'running', api_url: 'http://10.0.0.13:8008/patroni', timeline: 1, lag: 'unknown', pending_restart: true, tags: { nofailover: true } },
      ],
    })
    expect(parseCluster(body)).toEqual({
      leader: 'pt1',
      paused: false,
      members: [
        { name: 'pt1', role: 'leader', state: 'running', timeline: 1, pendingRestart: false },
        { name: 'pt2', role: 'sync_standby', state: 'running', timeline: 1, lagBytes: 0, pendingRestart: false },
        { name: 'pt3', role: 'replica', state: 'running', timeline: 1, lagBytes: null, pendingRestart: true, noFailover: true },
      ],
    })
  })

  it('no leader, paused', () => {
    expect(parseCluster('{"members":[{"name":"a","role":"replica","state":"stopped"}],"pause":true}')).toMatchObject({ leader: null, paused: true })
    expect(() => parseCluster('<html>')).toThrow(/not JSON/)
  })

  it('etcd health: voters up and down, by endpoint', () => {
    const voters = [
      { name: 'host1', address: '10.0.0.11' },
      { name: 'host2', address: '10.0.0.12' },
      { name: 'host3', address: '10.0.0.13' },
    ]
    const out = JSON.stringify([
      { endpoint: 'https://10.0.0.12:2379', health: true, took: '2ms' },
      { endpoint: 'https://10.0.0.13:2379', health: true, took: '3ms' },
      { endpoint: 'https://10.0.0.11:2379', health: false, took: '2s', error: 'context deadline exceeded' },
    ])
    expect(parseEtcdHealth(out, '', voters)).toEqual({ voters: 3, up: ['host2', 'host3'], down: [{ name: 'host1', error: 'context deadline exceeded' }] })
    expect(parseEtcdHealth('', 'Error: dial tcp 10.0.0.11:2379', voters).down).toHaveLength(3)
  })

  it('etcd status: the voters that answer, and the leader: the endpoint whose member_id is the leader the others name (uint64 ids read as text)', () => {
    const voters = [
      { name: 'host1', address: '10.0.0.11' },
      { name: 'host2', address: '10.0.0.12' },
      { name: 'host3', address: '10.0.0.13' },
    ]
    const entry = (ip: string, id: string, leader: string) => `{"Endpoint":"https://${ip}:2379","Status":{"header":{"cluster_id":15118495548433857066,"member_id":${id},"revision":9,"raft_term":3},"version":"3.4.23","dbSize":20480,"leader":${leader},"raftIndex":12}}`
    // 13668033151171901709 and 13668033151171901711 are one double apart: read as numbers they would collide.
    const out = `[${entry('10.0.0.12', '13668033151171901709', '13668033151171901711')},${entry('10.0.0.13', '13668033151171901711', '13668033151171901711')}]`
    expect(parseEtcdStatus(out, voters)).toEqual({ answering: ['host2', 'host3'], leader: 'host3' })
    // One voter left without a majority: etcd 3.4.23 leaves "leader" out (as read on the lab), or names one it cannot see.
    const alone = '[{"Endpoint":"https://10.0.0.12:2379","Status":{"header":{"cluster_id":4190894188388132663,"member_id":6025499101194225779,"revision":40,"raft_term":2},"version":"3.4.23","dbSize":36864,"raftIndex":53,"raftTerm":2,"raftAppliedIndex":53,"errors":["etcdserver: no leader"],"dbSizeInUse":36864}}]'
    expect(parseEtcdStatus(alone, voters)).toEqual({ answering: ['host2'], leader: null })
    expect(parseEtcdStatus(`[${entry('10.0.0.12', '13668033151171901709', '0')}]`, voters)).toEqual({ answering: ['host2'], leader: null })
    expect(parseEtcdStatus(`[${entry('10.0.0.12', '13668033151171901709', '99')}]`, voters).leader).toBeNull()
    expect(parseEtcdStatus('', voters)).toEqual({ answering: [], leader: null })
  })
})
