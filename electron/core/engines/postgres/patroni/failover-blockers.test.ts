import { describe, expect, it } from 'vitest'
import { failoverBlocker, type BlockerInput } from './failover-blockers'

const member = (name: string, role: string, more: object = {}) => ({ name, role, state: 'running', lagBytes: role === 'leader' ? undefined : 0, pendingRestart: false, ...more })
const etcd = (up: string[], down: string[] = []) => ({ voters: up.length + down.length, up, down: down.map((name) => ({ name, error: 'context deadline exceeded' })), leader: up[0] ?? null })
const healthy: BlockerInput = {
  leader: 'pt1',
  paused: false,
  members: [member('pt1', 'leader'), member('pt2', 'sync_standby'), member('pt3', 'replica')],
  etcd: etcd(['host1', 'host2', 'host3']),
  config: { failsafeMode: false, synchronousMode: true, maximumLagOnFailover: 16e6 },
}

describe('why Patroni cannot fail over now', () => {
  it('nothing stops it: all up; one etcd voter down still leaves a majority', () => {
    expect(failoverBlocker(healthy)).toBeNull()
    expect(failoverBlocker({ ...healthy, etcd: etcd(['host2', 'host3'], ['host1']) })).toBeNull()
  })

  it('two of three etcd voters down: no leader election, and the primary is demoted unless failsafe_mode', () => {
    const lost = { ...healthy, etcd: etcd(['host1'], ['host2', 'host3']) }
    expect(failoverBlocker(lost)).toBe(
      '2 of 3 etcd voters down (host2 and host3): etcd has no majority, so Patroni cannot elect a new leader and a primary that fails now is not replaced. Patroni 3.0.2 also demotes pt1 to read-only while it cannot reach etcd (failsafe_mode is off): writes stop until 2 of the 3 voters answer again.',
    )
    expect(failoverBlocker({ ...lost, config: { ...healthy.config, failsafeMode: true } })).toMatch(/With failsafe_mode on, pt1 keeps accepting writes only while its Patroni reaches every other member's/)
    expect(failoverBlocker({ ...lost, config: null })).toMatch(/unless failsafe_mode is on/)
    // Quorum is said first, before a pause or a missing candidate.
    expect(failoverBlocker({ ...lost, paused: true })).toMatch(/^2 of 3 etcd voters down/)
    // A failed health check while two voters answer is an etcd election, not a lost majority.
    expect(failoverBlocker({ ...healthy, etcd: { ...etcd(['host2', 'host3'], ['host1']), quorum: false } })).toBeNull()
    // etcd not read: nothing is claimed about it.
    expect(failoverBlocker({ ...healthy, etcd: null })).toBeNull()
  })

  it('paused', () => {
    expect(failoverBlocker({ ...healthy, paused: true })).toMatch(/^Patroni is paused \(maintenance mode\): it changes no role by itself/)
  })

  it('no eligible replica: stopped, never-promote, not the synchronous standby, too far behind', () => {
    const members = [member('pt1', 'leader'), member('pt2', 'sync_standby', { state: 'stopped' }), member('pt3', 'replica')]
    expect(failoverBlocker({ ...healthy, members })).toBe(
      'No replica can take over if pt1 fails: pt2 is stopped; pt3 is not the synchronous standby (in synchronous mode Patroni 3.0.2 promotes only that one). Patroni would not replace it.',
    )
    // Without a synchronous standby Patroni lets any healthy replica race.
    expect(failoverBlocker({ ...healthy, members: [member('pt1', 'leader'), member('pt2', 'replica', { state: 'stopped' }), member('pt3', 'replica')] })).toBeNull()
    const tagged = [member('pt1', 'leader'), member('pt2', 'replica', { noFailover: true }), member('pt3', 'replica', { lagBytes: 40e6 })]
    expect(failoverBlocker({ ...healthy, config: { ...healthy.config, synchronousMode: false }, members: tagged })).toBe(
      'No replica can take over if pt1 fails: pt2 is tagged never-promote (nofailover); pt3 is 40.0 MB behind (more than maximum_lag_on_failover, 16.0 MB). Patroni would not replace it.',
    )
    expect(failoverBlocker({ ...healthy, members: [member('pt1', 'leader')] })).toBe('No replica: nothing can take over if pt1 fails.')
  })
})
