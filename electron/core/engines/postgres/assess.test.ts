// The judgement before a role change (pure): who is promoted and what it may cost.
import { describe, expect, it } from 'vitest'
import { AppError } from '../../../../shared/errors'
import { assessFailover, assessSwitchover, FENCED_EXCLUDED } from './assess'
import { parseCluster, type PgCluster } from './model'
import type { Position, Seen } from './roles'

const cluster = (sync: boolean, extra: Partial<Record<string, { priority?: number; neverPromote?: boolean }>> = {}): PgCluster =>
  parseCluster({
    id: 'c',
    major: '15',
    members: ['a', 'b', 'c'].map((n, i) => ({ name: n, host: `h${i + 1}`, address: `10.0.0.${i + 1}`, dataDir: `/d/${n}`, access: 'postgres', sync: sync && n !== 'a', ...extra[n] })),
  })

const pos = (over: Partial<Position>): Position => ({ inRecovery: true, readOnly: true, lsn: '0/3000000', replayLsn: '0/3000000', receiver: 'streaming', upstream: '10.0.0.1:5432', conninfo: 'host=10.0.0.1 port=5432', syncNames: '', senders: [], ...over })
const up = (c: PgCluster, name: string, over: Partial<Position> = {}): Seen => ({ member: c.members.find((m) => m.name === name)!, pos: pos(over) })
const down = (c: PgCluster, name: string): Seen => ({ member: c.members.find((m) => m.name === name)!, error: new AppError('ssh_connect', `${name} unreachable`) })
const last = (lsn: string, secondsAgo: number, now: number) => ({ member: 'a', lsn, timeline: 1, at: new Date(now - 60_000).toISOString(), seenAt: new Date(now - secondsAgo * 1000).toISOString() })
const now = Date.parse('2026-11-26T12:00:00Z')

describe('failover assessment', () => {
  it('promotes the most advanced standby; zero loss when every synchronous standby answered', () => {
    const c = cluster(true)
    const a = assessFailover({ cluster: c, from: 'a', seen: [down(c, 'a'), up(c, 'b', { lsn: '0/3000100' }), up(c, 'c', { lsn: '0/3000000' })], lastPrimary: last('0/3000100', 2, now), now })
    expect(a.to).toBe('b')
    expect(a.loss).toMatchObject({ kind: 'none', bytes: 0 })
    expect(a.candidates.find((v) => v.name === 'c')!.behindBytes).toBe(256)
  })

  it('gives a bound, not zero, when a synchronous standby is missing', () => {
    const c = cluster(true)
    const a = assessFailover({ cluster: c, from: 'a', seen: [down(c, 'a'), up(c, 'b', { lsn: '0/3000000' }), down(c, 'c')], lastPrimary: last('0/3000400', 3, now), now })
    expect(a.to).toBe('b')
    expect(a.loss).toMatchObject({ kind: 'bound', bytes: 1024, seconds: 3 })
    expect(a.loss.text).toMatch(/At least 1024 bytes .* plus whatever a wrote in the 3 s/)
  })

  it('asynchronous: the bound from the last primary position, and the cut-off-primary warning', () => {
    const c = cluster(false)
    const a = assessFailover({ cluster: c, from: 'a', seen: [down(c, 'a'), up(c, 'b', { lsn: '0/3000000' }), up(c, 'c', { lsn: '0/2000000' })], lastPrimary: last('0/5000000', 1.5, now), now })
    expect(a.loss).toMatchObject({ kind: 'bound', bytes: 0x2000000, seconds: 1.5 })
    expect(a.warnings.join(' ')).toMatch(/asynchronous: a primary that is cut off but still running keeps accepting writes/)
  })

  it('says unknown when no primary position was ever seen', () => {
    const c = cluster(false)
    const a = assessFailover({ cluster: c, from: 'a', seen: [down(c, 'a'), up(c, 'b'), up(c, 'c')], lastPrimary: null, now })
    expect(a.loss.kind).toBe('unknown')
    expect(a.loss.text).toMatch(/no recent position of the primary/)
  })

  it("priority breaks ties only; a user's less advanced choice is warned about in bytes", () => {
    const c = cluster(false, { b: { priority: 200 }, c: { priority: 10 } })
    const tie = assessFailover({ cluster: c, from: 'a', seen: [up(c, 'b', { lsn: '0/3000000' }), up(c, 'c', { lsn: '0/3000000' })], lastPrimary: null, now })
    expect(tie.to).toBe('c')
    const ahead = assessFailover({ cluster: c, from: 'a', seen: [up(c, 'b', { lsn: '0/3100000' }), up(c, 'c', { lsn: '0/3000000' })], lastPrimary: null, now })
    expect(ahead.to).toBe('b')
    const chosen = assessFailover({ cluster: c, from: 'a', seen: [up(c, 'b', { lsn: '0/3100000' }), up(c, 'c', { lsn: '0/3000000' })], lastPrimary: null, to: 'c', now })
    expect(chosen.to).toBe('c')
    expect(chosen.warnings[0]).toMatch(/b \(1\.0 MB further\) received more WAL than c: .* rejoin with pg_rewind/)
  })

  it('never promotes a never-promote member, an unreachable one, or into a cluster that writes already', () => {
    const c = cluster(false, { b: { neverPromote: true } })
    expect(assessFailover({ cluster: c, from: 'a', seen: [up(c, 'b', { lsn: '0/9000000' }), up(c, 'c')], lastPrimary: null, now }).to).toBe('c')
    expect(() => assessFailover({ cluster: c, from: 'a', seen: [up(c, 'b'), down(c, 'c')], lastPrimary: null, now })).toThrow(/No member of cluster c can be promoted/)
    expect(() => assessFailover({ cluster: c, from: 'a', seen: [up(c, 'b'), up(c, 'c', { inRecovery: false, readOnly: false })], lastPrimary: null, now })).toThrow(/accepts writes already/)
    expect(() => assessFailover({ cluster: c, from: 'a', seen: [up(c, 'b'), up(c, 'c')], lastPrimary: null, to: 'b', now })).toThrow(/never-promote/)
  })

  it('never promotes a fenced member, even the most advanced, nor when named with --to; says why and how much WAL it has beyond', () => {
    const c = { ...cluster(true), fenced: ['b'] }
    // b: an old primary started by hand as a standby, its own diverged WAL ahead of c.
    const seen = [down(c, 'a'), up(c, 'b', { lsn: '0/5000000' }), up(c, 'c', { lsn: '0/3000000' })]
    const a = assessFailover({ cluster: c, from: 'a', seen, lastPrimary: last('0/3000000', 1, now), now })
    expect(a.to).toBe('c')
    expect(a.candidates.find((v) => v.name === 'b')!.excluded).toBe(FENCED_EXCLUDED)
    expect(FENCED_EXCLUDED).toMatch(/^fenced: .*, rejoin it first$/)
    expect(a.warnings.join(' ')).toMatch(/b is fenced and has 33\.6 MB more WAL than c: it is not promoted/)
    // b is synchronous in the record and ahead of c: the loss is not "none".
    expect(a.loss.kind).not.toBe('none')
    expect(() => assessFailover({ cluster: c, from: 'a', seen, lastPrimary: null, to: 'b', now })).toThrow(/b cannot be promoted: fenced: .*rejoin it first/)
    // Fenced and unreachable: the fence is the reason given.
    expect(assessFailover({ cluster: c, from: 'a', seen: [down(c, 'b'), up(c, 'c')], lastPrimary: null, now }).candidates.find((v) => v.name === 'b')!.excluded).toBe(FENCED_EXCLUDED)
    // Nobody else: refused, with the reason.
    expect(() => assessFailover({ cluster: c, from: 'a', seen: [up(c, 'b'), down(c, 'c')], lastPrimary: null, now })).toThrow(/No member of cluster c can be promoted: b fenced: /)
  })

  it('warns when the old primary is up and accepts writes', () => {
    const c = cluster(false)
    const a = assessFailover({ cluster: c, from: 'a', seen: [up(c, 'a', { inRecovery: false, readOnly: false, lsn: '0/3000000' }), up(c, 'b'), up(c, 'c')], lastPrimary: null, now })
    expect(a.warnings.join(' ')).toMatch(/a is up and accepts writes: the failover stops and fences it first/)
  })
})

describe('switchover assessment', () => {
  const primary = (c: PgCluster, senders: Position['senders']) => up(c, 'a', { inRecovery: false, readOnly: false, lsn: '0/3000000', senders })
  const streaming = (...names: string[]) => names.map((name) => ({ name, state: 'streaming', replay: '0/3000000' }))

  it('prefers a caught-up synchronous standby, then priority; always no loss', () => {
    const c = cluster(true, { b: { priority: 200 } })
    const a = assessSwitchover(c, [primary(c, streaming('b', 'c')), up(c, 'b'), up(c, 'c')])
    expect(a).toMatchObject({ from: 'a', to: 'c', loss: { kind: 'none' } })
  })

  it('refuses a target that does not stream or lags, and a split brain', () => {
    const c = cluster(false)
    expect(() => assessSwitchover(c, [primary(c, streaming('b')), up(c, 'b'), up(c, 'c')], 'c')).toThrow(/does not stream from a/)
    expect(() => assessSwitchover(c, [primary(c, streaming('b', 'c')), up(c, 'b', { replayLsn: '0/1000000' }), up(c, 'c')], 'b')).toThrow(/33\.6 MB behind/)
    expect(() => assessSwitchover(c, [primary(c, []), up(c, 'b', { inRecovery: false, readOnly: false }), up(c, 'c')])).toThrow(/both accept writes/)
    expect(() => assessSwitchover(c, [down(c, 'a'), up(c, 'b'), up(c, 'c')])).toThrow(/use failover/)
  })

  it('never hands over to a fenced member', () => {
    const c = { ...cluster(true), fenced: ['c'] }
    const a = assessSwitchover(c, [primary(c, streaming('b', 'c')), up(c, 'b'), up(c, 'c')])
    expect(a.to).toBe('b')
    expect(a.candidates.find((v) => v.name === 'c')!.excluded).toBe(FENCED_EXCLUDED)
    expect(() => assessSwitchover(c, [primary(c, streaming('b', 'c')), up(c, 'b'), up(c, 'c')], 'c')).toThrow(/c cannot take over now: fenced: /)
  })
})

describe('why the automatic choice picked its member', () => {
  const primary = (c: PgCluster) => up(c, 'a', { inRecovery: false, readOnly: false, lsn: '0/3000000', senders: ['b', 'c'].map((name) => ({ name, state: 'streaming', replay: '0/3000000' })) })

  it('failover: the most WAL, else priority 1 is tried first, else the member order; a choice of the user says so', () => {
    const even = cluster(false)
    const walAhead = assessFailover({ cluster: even, from: 'a', seen: [up(even, 'b', { lsn: '0/3000000' }), up(even, 'c', { lsn: '0/3100000' })], lastPrimary: null, now })
    expect(walAhead).toMatchObject({ to: 'c', reason: 'c received the most WAL (1.0 MB more than b)' })
    const ranked = cluster(false, { b: { priority: 2 }, c: { priority: 1 } })
    expect(assessFailover({ cluster: ranked, from: 'a', seen: [up(ranked, 'b'), up(ranked, 'c')], lastPrimary: null, now }).reason).toBe('priority 1 is tried first; c and b had the same WAL, c has priority 1, b 2')
    // Identical replicas: the member order decides, and the reason says it.
    const same = assessFailover({ cluster: even, from: 'a', seen: [up(even, 'b'), up(even, 'c')], lastPrimary: null, now })
    expect(same).toMatchObject({ to: 'b', reason: "b and c had the same WAL and the same priority (100): the first in the cluster's member order" })
    expect(assessFailover({ cluster: even, from: 'a', seen: [up(even, 'b'), up(even, 'c')], lastPrimary: null, to: 'c', now }).reason).toBe('you chose c')
    expect(assessFailover({ cluster: even, from: 'a', seen: [up(even, 'b'), down(even, 'c')], lastPrimary: null, now }).reason).toBe('b is the only member that can be promoted (c: not reachable: c unreachable)')
  })

  it('switchover: synchronous first, then priority 1 is tried first, then the member order', () => {
    const mixed = cluster(false, { c: { priority: 5 } })
    const syncFirst = { ...mixed, members: mixed.members.map((m) => (m.name === 'c' ? { ...m, sync: true } : m)) }
    expect(assessSwitchover(syncFirst, [primary(syncFirst), up(syncFirst, 'b'), up(syncFirst, 'c')]).reason).toBe('synchronous replicas are tried first: c is synchronous, b is not')
    expect(assessSwitchover(mixed, [primary(mixed), up(mixed, 'b'), up(mixed, 'c')]).reason).toBe('priority 1 is tried first: c has priority 5, b 100')
    const even = cluster(false)
    expect(assessSwitchover(even, [primary(even), up(even, 'b'), up(even, 'c')]).reason).toBe("b and c are alike (asynchronous, priority 100, equally caught up): the first in the cluster's member order")
  })
})
