import { describe, expect, it } from 'vitest'
import type { HostExec } from '../../host-exec'
import { patroniCluster } from '../../../../../e2e/support/patroni/fixtures'
import { pick, readAutomaticStatus } from './automatic-status'

const ok = (stdout: string) => ({ stdout, stderr: '', exitCode: 0, durationMs: 1, truncated: { stdout: false, stderr: false } })
const clusterBody = (leader: string) => JSON.stringify({ members: ['pt1', 'pt2', 'pt3'].map((n) => ({ name: n, role: n === leader ? 'leader' : n === 'pt2' || (leader === 'pt2' && n === 'pt3') ? 'sync_standby' : 'replica', state: 'running', timeline: 2, ...(n !== leader && { lag: 0 }), ...(n === 'pt3' && { tags: { nofailover: true } }) })) })

/** host1 powered off (never answers); host2 and host3 see pt2 leading; etcd: host1's voter down, host3 leads. */
function fakeHosts(calls: string[], etcdAlone = false): HostExec {
  return {
    exec(host, argv) {
      const line = argv.map(String).join(' ')
      calls.push(`${host}: ${line.includes('/cluster') ? 'GET /cluster' : line.includes('/config') ? 'GET /config' : line.includes('health') ? 'etcd health' : 'etcd status'}`)
      if (host === 'host1') return new Promise(() => undefined)
      if (line.includes('/cluster')) return Promise.resolve(ok(`200\n${clusterBody('pt2')}`))
      if (line.includes('/config')) return Promise.resolve(ok('200\n{"ttl":10,"loop_wait":2,"synchronous_mode":true,"maximum_lag_on_failover":16777216}'))
      if (line.includes('health') && etcdAlone) return Promise.resolve({ ...ok(JSON.stringify(['11', '12', '13'].map((i) => ({ endpoint: `https://10.0.0.${i}:2379`, health: false, error: 'context deadline exceeded' })))), exitCode: 1 })
      if (!line.includes('health') && etcdAlone) return Promise.resolve(ok('[{"Endpoint":"https://10.0.0.12:2379","Status":{"header":{"member_id":5},"leader":0}}]'))
      if (line.includes('health')) return Promise.resolve(ok(JSON.stringify([{ endpoint: 'https://10.0.0.12:2379', health: true }, { endpoint: 'https://10.0.0.13:2379', health: true }, { endpoint: 'https://10.0.0.11:2379', health: false, error: 'context deadline exceeded' }])))
      return Promise.resolve(ok('[{"Endpoint":"https://10.0.0.12:2379","Status":{"header":{"member_id":5},"leader":7}},{"Endpoint":"https://10.0.0.13:2379","Status":{"header":{"member_id":7},"leader":7}}]'))
    },
  }
}

describe("Patroni's view for live status", () => {
  it('a powered-off member host does not hold the reading up, is not asked again while its last call hangs; then one member is asked, the others when it fails', async () => {
    const calls: string[] = []
    const hosts = fakeHosts(calls)
    const memory = { busy: new Set<string>() }
    const t0 = Date.now()
    const s = await readAutomaticStatus(hosts, patroniCluster, memory)
    expect(Date.now() - t0).toBeLessThan(2000)
    expect(s).toEqual({
      manager: 'Patroni',
      store: 'etcd',
      readFrom: 'host2',
      leader: 'pt2',
      paused: false,
      members: [
        { name: 'pt1', role: 'replica', state: 'running', timeline: 2, lagBytes: 0, pendingRestart: false, noFailover: false },
        { name: 'pt2', role: 'leader', state: 'running', timeline: 2, lagBytes: null, pendingRestart: false, noFailover: false },
        { name: 'pt3', role: 'sync_standby', state: 'running', timeline: 2, lagBytes: 0, pendingRestart: false, noFailover: true },
      ],
      consensus: { voters: 3, up: ['host2', 'host3'], down: [{ name: 'host1', error: 'context deadline exceeded' }], leader: 'host3', quorum: true },
      // pt3 is the synchronous standby but never-promote; pt1 is not the synchronous standby.
      cannotFailover: 'No replica can take over if pt2 fails: pt1 is not the synchronous standby (in synchronous mode Patroni 3.0.2 promotes only that one); pt3 is tagged never-promote (nofailover). Patroni would not replace it.',
      // The fake /config says ttl 10, loop_wait 2 (retry_timeout: ReplicaDesk's default, 3).
      expectedFailover: expect.stringMatching(/^With ttl 10 s, loop_wait 2 s and retry_timeout 3 s a powered-off primary is replaced in about 13.5 s/),
      error: null,
    })
    expect(memory.busy).toEqual(new Set(['host1']))
    // The next read asks the member that answered, alone (the configuration is kept for 30 s).
    calls.length = 0
    await readAutomaticStatus(hosts, patroniCluster, memory)
    expect(calls.sort()).toEqual(['host2: GET /cluster', 'host2: etcd health', 'host2: etcd status'])
    // It stops answering: every other member is asked too, except host1 whose last call still hangs.
    calls.length = 0
    const gone = { exec: (host: string, argv: readonly unknown[], o?: object) => (host === 'host2' ? new Promise<never>(() => undefined) : hosts.exec(host, argv as string[], o)) } as HostExec
    expect((await readAutomaticStatus(gone, patroniCluster, memory)).readFrom).toBe('host3')
    expect(calls.filter((c) => c.includes('/cluster')).sort()).toEqual(['host3: GET /cluster'])
  })

  it("etcd without a majority: the voter whose etcd still answers is up, no leader, and the card's reason says it", async () => {
    const s = await readAutomaticStatus(fakeHosts([], true), patroniCluster)
    expect(s.consensus).toEqual({ voters: 3, up: ['host2'], down: [{ name: 'host1', error: 'context deadline exceeded' }, { name: 'host3', error: 'context deadline exceeded' }], leader: null, quorum: false })
    expect(s.cannotFailover).toMatch(/^2 of 3 etcd voters down \(host1 and host3\): etcd has no majority, so Patroni cannot elect a new leader.* \(failsafe_mode is off\)/)
  })

  it('no member answers: one error naming each host', async () => {
    const hosts: HostExec = { exec: (host) => Promise.resolve({ ...ok(''), exitCode: 1, stderr: `connect to ${host}` }) }
    await expect(readAutomaticStatus(hosts, patroniCluster)).rejects.toThrow(/No member of pt answered for Patroni: host1: .*host2: .*host3: /)
  })

  it('picks the leader most answers agree on, a view with a leader over one without', () => {
    const a = (member: string, leader: string | null) => ({ member, host: member, view: { leader, paused: false, members: [] } })
    expect(pick([a('pt1', 'pt1'), a('pt2', 'pt2'), a('pt3', 'pt2')])?.member).toBe('pt2')
    expect(pick([a('pt1', null), a('pt2', 'pt2')])?.member).toBe('pt2')
    expect(pick([])).toBeUndefined()
  })
})
