import { describe, expect, it } from 'vitest'
import { parseCluster, parseEtcdHealth } from './status'

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
        { name: 'pt3', role: 'replica', state: 'running', timeline: 1, lagBytes: null, pendingRestart: true },
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
})
