// The PostgreSQL engine's status figures, pure: WAL positions, lag math (idle clusters
// included), the poll row's parsing, and what its errors (SQLSTATE) say about a member.
import { describe, expect, it } from 'vitest'
import { NOW, primary, standby, view } from '../../../../../e2e/support/status/samples'
import { formatLsn, lsnDiff, maxLsn, parseLsn } from '../lsn'
import { derive, lagSeconds } from './derive'
import { parseSample } from './query'
import { pgDownReason } from './reasons'

describe('WAL positions', () => {
  it('parses, formats and subtracts exactly across the 32-bit boundary', () => {
    expect(parseLsn('0/0')).toBe(0n)
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) | 0xb374d848n)
    expect(formatLsn(parseLsn('16/B374D848')!)).toBe('16/B374D848')
    expect(lsnDiff('1/0', '0/FFFFFFFF')).toBe(1)
    expect(lsnDiff('0/3000060', '0/3000000')).toBe(0x60)
    expect(lsnDiff('0/3000000', '0/3000060')).toBe(-0x60)
    expect(lsnDiff(null, '0/1')).toBeNull()
    expect(lsnDiff('nonsense', '0/1')).toBeNull()
    expect(parseLsn('1/2/3')).toBeNull()
    expect(maxLsn('0/10', '0/9')).toBe('0/10')
    expect(maxLsn(null, '0/9')).toBe('0/9')
  })
})

describe('lag', () => {
  it('is zero for a caught-up standby on an idle cluster, however old its last replayed commit', () => {
    const s = standby('0/5000000', '0/5000000', { replayTsMs: NOW - 3600_000 })
    expect(lagSeconds(0, null, s)).toBe(0)
    const d = derive([view('db1', primary('0/5000000')), view('db2', s)])
    expect(d.members[1]).toMatchObject({ lagBytes: 0, lagSeconds: 0, role: 'standby', upstream: 'db1' })
  })

  it('uses the primary current position against the standby replay position, and the sender replay_lag for seconds', () => {
    const p = primary('0/5100000', { senders: [{ name: 'db2', state: 'streaming', syncState: 'sync', replayLsn: '0/5000000', replayLagSeconds: 0.25 }] })
    const d = derive([view('db1', p), view('db2', standby('0/50C0000', '0/5000000', { replayTsMs: NOW - 9000 }))])
    expect(d.members[1]).toMatchObject({ lagBytes: 0x100000, lagSeconds: 0.25, syncState: 'sync', senderState: 'streaming' })
  })

  it('falls back to the time since the last replayed commit only while WAL waits to be replayed', () => {
    const pending = standby('0/5100000', '0/5000000', { replayTsMs: NOW - 1500 })
    expect(lagSeconds(0x100000, null, pending)).toBe(1.5)
    const inFlight = standby('0/5000000', '0/5000000', { replayTsMs: NOW - 1500 })
    expect(lagSeconds(0x100000, null, inFlight)).toBeNull()
    // no primary answering: bytes unknown, seconds only when something is pending
    expect(lagSeconds(null, null, pending)).toBe(1.5)
    expect(lagSeconds(null, null, inFlight)).toBeNull()
  })

  it('never reports negative lag when the standby was read a moment after the primary', () => {
    const d = derive([view('db1', primary('0/5000000')), view('db2', standby('0/5000100', '0/5000100'))])
    expect(d.members[1]!.lagBytes).toBe(0)
  })

  it('is unknown (null) for a down or stale member, and for standbys when no primary answered this tick', () => {
    const d = derive([view('db1', primary('0/5000000'), { fresh: false }), view('db2', standby('0/5000000', '0/4000000')), view('db3', standby('0/1', '0/1'), { state: 'down', fresh: false })])
    expect(d.members.map((m) => [m.lagBytes, m.stale])).toEqual([
      [null, true],
      [null, false],
      [null, true],
    ])
    expect(d.position).toBeNull()
  })
})

describe('parsing what PostgreSQL answers', () => {
  it('the poll row, tolerating nulls and odd values', () => {
    const s = parseSample({
      rec: true,
      ro: true,
      ver: '15.8',
      now_ms: NOW,
      start_ms: NOW - 1000,
      cur: null,
      tli: null,
      rcv: '0/5000000',
      rpl: '0/4000000',
      rpl_ms: null,
      ckpt_tli: 3,
      wr: ['streaming', 2, 'host1', 5432, 'rd_db2'],
      ws: null,
      sl: [['rd_x', 'physical', false, null, null, null, null], 'junk'],
    })
    expect(s).toMatchObject({ inRecovery: true, timeline: 2, receiver: { senderHost: 'host1', senderPort: 5432, slot: 'rd_db2' }, senders: [] })
    expect(s.slots[0]).toMatchObject({ name: 'rd_x', active: false, retainedBytes: null })
    expect(parseSample({ rec: false, tli: null, ckpt_tli: '4' }).timeline).toBe(4)
  })
})

describe('down reasons from PostgreSQL', () => {
  const who = { name: 'db2', host: 'host2', user: 'rdadmin' }
  it('names the member and host and says what to do', () => {
    expect(pgDownReason(who, Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toEqual({ code: 'shutting_down', reason: 'db2 on host2: PostgreSQL is shutting down (administrator command).' })
    // the same SQLSTATE from the backends of a killed postmaster: not running, not "shutting down"
    expect(pgDownReason(who, Object.assign(new Error('terminating connection due to unexpected postmaster exit'), { code: '57P01' }))).toEqual({ code: 'not_running', reason: 'db2 on host2: PostgreSQL is not running on host2: its postmaster exited unexpectedly (killed or crashed).' })
    const peer = pgDownReason(who, Object.assign(new Error('role "rdadmin" does not exist'), { code: '28000' }))!
    expect(peer.code).toBe('no_access')
    expect(peer.reason).toContain('GRANT pg_monitor TO "rdadmin"')
    expect(pgDownReason(who, Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }))!.code).toBe('timeout')
    expect(pgDownReason(who, new Error('Connection terminated unexpectedly'))).toBeNull()
  })
})

describe('one server under two names', () => {
  it('is one primary for lag', () => {
    const d = derive([view('a', primary('0/5000100')), view('b', primary('0/5000100'), { instanceKey: 'k-a' }), view('s', standby('0/5000000', '0/5000000'))])
    expect(d.members[2]!.lagBytes).toBe(0x100)
  })
})
