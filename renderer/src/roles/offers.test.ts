import { describe, expect, it } from 'vitest'
import { clusterOf, iso, primaryMember, standbyMember, T0 } from '../status/testing/fixtures'
import { failoverState, lostPrimary, rejoinReason, switchoverState } from './offers'

const down = (code: 'ssh_unreachable' | 'not_running') => ({ state: 'down' as const, stale: true, down: { code, reason: `${code} on the host`, since: iso(T0) } })

const three = () => clusterOf([primaryMember('pg1'), standbyMember('pg2', 'pg1'), standbyMember('pg3', 'pg1')])

describe('switchover', () => {
  it('offered with a primary that answers and a replica up', () => {
    expect(switchoverState(three())).toEqual({ enabled: true, why: null })
  })

  it('not before the status is read, not in a split brain, not without a primary or a replica', () => {
    expect(switchoverState(null).enabled).toBe(false)
    const split = clusterOf([primaryMember('pg1'), primaryMember('pg2')], { primary: null, splitBrain: { members: ['pg1', 'pg2'], since: iso(T0), message: 'two' } })
    expect(switchoverState(split).why).toMatch(/fence/)
    const lost = clusterOf([primaryMember('pg1', down('ssh_unreachable')), standbyMember('pg2', 'pg1')], { primary: null })
    expect(switchoverState(lost).why).toMatch(/Failover/)
    const alone = clusterOf([primaryMember('pg1'), standbyMember('pg2', 'pg1', down('not_running'))])
    expect(switchoverState(alone)).toEqual({ enabled: false, why: 'No replica is up to take over.' })
  })
})

describe('failover', () => {
  it('urgent when the primary is down, naming it', () => {
    const s = clusterOf([primaryMember('pg1', down('ssh_unreachable')), standbyMember('pg2', 'pg1')], { primary: null })
    expect(failoverState(s)).toEqual({ urgent: true, primaryUp: null, lost: 'pg1', blocked: null, text: 'The primary pg1 is down.' })
    expect(lostPrimary(s)).toBe('pg1')
  })

  it('urgent when no member accepts writes; the last primary seen names the lost one', () => {
    const s = clusterOf([standbyMember('pg2', null), standbyMember('pg3', null)], { primary: null, lastPrimary: { member: 'pg1', lsn: '0/5000000', timeline: 1, at: iso(T0) } })
    expect(failoverState(s)).toMatchObject({ urgent: true, lost: 'pg1', text: 'pg1 does not accept writes.' })
    expect(failoverState({ ...s, lastPrimary: null })).toMatchObject({ urgent: true, lost: null, text: 'No member accepts writes.' })
  })

  it('still offered while the primary is up, with that primary named for the warning', () => {
    expect(failoverState(three())).toEqual({ urgent: false, primaryUp: 'pg1', lost: null, blocked: null, text: 'pg1 is up and accepts writes.' })
  })

  it('blocked by a split brain; unknown before the status is read', () => {
    const split = clusterOf([primaryMember('pg1'), primaryMember('pg2')], { primary: null, splitBrain: { members: ['pg1', 'pg2'], since: iso(T0), message: 'two' } })
    expect(failoverState(split).blocked).toMatch(/fence/)
    expect(failoverState(null)).toMatchObject({ urgent: false, blocked: null })
  })
})

describe('rejoin', () => {
  it('offered for a fenced, stopped or down member, a former primary, and a standby that does not stream', () => {
    expect(rejoinReason(standbyMember('pg2', 'pg1'), 'pg1', true)).toBe('fenced')
    expect(rejoinReason(primaryMember('pg1', down('not_running')), 'pg2', false)).toBe('stopped')
    expect(rejoinReason(standbyMember('pg3', 'pg1', down('ssh_unreachable')), 'pg2', false)).toBe('down')
    expect(rejoinReason(primaryMember('pg1', { writable: false }), 'pg2', false)).toBe('former-primary')
    expect(rejoinReason(standbyMember('pg3', 'pg1', { senderState: null, syncState: null }), 'pg2', false)).toBe('not-streaming')
    expect(rejoinReason(standbyMember('pg3', 'pg2', { senderState: 'startup' }), 'pg2', false)).toBe('not-streaming')
  })

  it("MariaDB: a replica whose threads do not both run (its status's senderState stopped or connecting) is offered; one replicating is not", () => {
    expect(rejoinReason(standbyMember('db3', 'db2', { senderState: 'stopped' }), 'db2', false)).toBe('not-streaming')
    expect(rejoinReason(standbyMember('db3', 'db2', { senderState: 'connecting' }), 'db2', false)).toBe('not-streaming')
    expect(rejoinReason(standbyMember('db3', 'db2', { senderState: 'streaming' }), 'db2', false)).toBeNull()
  })

  it('not for a streaming standby, the primary itself, a member not read yet, or without a primary', () => {
    expect(rejoinReason(standbyMember('pg2', 'pg1'), 'pg1', false)).toBeNull()
    expect(rejoinReason(standbyMember('pg2', 'pg1', { senderState: 'catchup' }), 'pg1', false)).toBeNull()
    expect(rejoinReason(primaryMember('pg1'), 'pg1', false)).toBeNull()
    expect(rejoinReason({ ...standbyMember('pg2', null), state: 'unknown', stale: true }, 'pg1', false)).toBeNull()
    expect(rejoinReason(primaryMember('pg1', down('not_running')), null, true)).toBeNull()
  })
})
