import { describe, expect, it } from 'vitest'
import type { CandidateView } from '../../../shared/operations'
import type { PgCluster, PgMember } from '../../../shared/postgres'
import { clusterOf, iso, primaryMember, standbyMember, T0 } from '../status/testing/fixtures'
import { failoverState, lostPrimary, rejoinReason, switchoverState, targetChoices } from './offers'

const down = (code: 'ssh_unreachable' | 'not_running') => ({ state: 'down' as const, stale: true, down: { code, reason: `${code} on the host`, since: iso(T0) } })

const three = () => clusterOf([primaryMember('pg1'), standbyMember('pg2', 'pg1'), standbyMember('pg3', 'pg1')])

const member = (name: string, over: Partial<PgMember> = {}): PgMember => ({
  name,
  host: `host-${name}`,
  address: '10.0.0.1',
  port: 5432,
  dataDir: `/d/${name}`,
  layout: 'plain',
  debianName: 'main',
  access: 'postgres',
  sync: false,
  priority: 100,
  neverPromote: false,
  socketDir: '/var/run/postgresql',
  ...over,
})

const record = (members: PgMember[], fenced: string[] = []): PgCluster => ({
  id: 'c1',
  major: '15',
  replicationRole: 'replicadesk',
  sync: { method: 'ANY', num: 1 },
  walKeepSize: '1GB',
  maxWalSenders: 10,
  maxReplicationSlots: 10,
  members,
  fenced,
})

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

  it('not for a streaming standby, the primary itself, a member not read yet, or without a primary', () => {
    expect(rejoinReason(standbyMember('pg2', 'pg1'), 'pg1', false)).toBeNull()
    expect(rejoinReason(standbyMember('pg2', 'pg1', { senderState: 'catchup' }), 'pg1', false)).toBeNull()
    expect(rejoinReason(primaryMember('pg1'), 'pg1', false)).toBeNull()
    expect(rejoinReason({ ...standbyMember('pg2', null), state: 'unknown', stale: true }, 'pg1', false)).toBeNull()
    expect(rejoinReason(primaryMember('pg1', down('not_running')), null, true)).toBeNull()
  })
})

describe('targets', () => {
  const view = (name: string, excluded?: string): CandidateView => ({ name, host: `host-${name}`, reachable: true, lsn: '0/3000000', behindBytes: 0, sync: false, priority: 100, neverPromote: false, ...(excluded && { excluded }) })

  it("the core's candidates, with what decides the choice; the ones it excludes disabled with its reason", () => {
    const cluster = record([member('pg1'), member('pg2', { sync: true }), member('pg3', { neverPromote: true }), member('pg4', { priority: 50 }), member('pg5')], ['pg5'])
    const s = clusterOf([primaryMember('pg1'), standbyMember('pg2', 'pg1'), standbyMember('pg3', 'pg1'), standbyMember('pg4', 'pg1', { lagBytes: 2_000_000, ...down('ssh_unreachable'), stale: false }), standbyMember('pg5', 'pg1')])
    const fenced = 'fenced: it was stopped as a primary and may hold writes of its own, rejoin it first'
    const core = [view('pg2'), view('pg3', 'marked never-promote'), view('pg4', 'not reachable'), view('pg5', fenced)]
    expect(targetChoices('switchover', cluster, s, core)).toEqual([
      { name: 'pg2', host: 'host-pg2', note: 'synchronous · priority 100 · caught up', disabled: false, why: null },
      { name: 'pg3', host: 'host-pg3', note: 'asynchronous · priority 100 · caught up', disabled: true, why: 'marked never-promote' },
      { name: 'pg4', host: 'host-pg4', note: 'asynchronous · priority 50', disabled: true, why: 'not reachable' },
      { name: 'pg5', host: 'host-pg5', note: 'asynchronous · priority 100 · caught up', disabled: true, why: fenced },
    ])
  })

  it('decides nothing itself: before the core answered, a fenced or never-promote member is not disabled', () => {
    const cluster = record([member('pg1'), member('pg2', { neverPromote: true }), member('pg3')], ['pg3'])
    const s = clusterOf([primaryMember('pg1'), standbyMember('pg2', 'pg1'), standbyMember('pg3', 'pg1')])
    expect(targetChoices('switchover', cluster, s).map((t) => [t.name, t.disabled, t.why])).toEqual([
      ['pg2', false, null],
      ['pg3', false, null],
    ])
  })

  it('a failover leaves out the lost primary; without a status every member but none is listed', () => {
    const cluster = record([member('pg1'), member('pg2'), member('pg3')])
    const lost = clusterOf([primaryMember('pg1', down('ssh_unreachable')), standbyMember('pg2', 'pg1', { lagBytes: null }), standbyMember('pg3', 'pg1', { lagBytes: null })], { primary: null })
    expect(targetChoices('failover', cluster, lost).map((t) => [t.name, t.note, t.disabled])).toEqual([
      ['pg2', 'asynchronous · priority 100', false],
      ['pg3', 'asynchronous · priority 100', false],
    ])
    expect(targetChoices('failover', cluster, null).map((t) => t.name)).toEqual(['pg1', 'pg2', 'pg3'])
    // The core's list decides who is listed (it leaves out the old primary it judged).
    expect(targetChoices('failover', cluster, null, [view('pg2'), view('pg3')]).map((t) => t.name)).toEqual(['pg2', 'pg3'])
  })
})
