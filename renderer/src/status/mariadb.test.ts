import { describe, expect, it } from 'vitest'
import type { GtidStatus } from '../../../shared/status'
import { behindText, behindTone, formatTimeout, gtidText, mariaRole, mariaVersion, mariaStateLabel, memberSemiSyncText, replicating, semiSyncView, threadErrors, threadsText, threadsTone } from './mariadb'
import { iso, primaryMember, standbyMember, T0 } from './testing/fixtures'

const gtid = (over: Partial<GtidStatus> = {}): GtidStatus => ({
  currentPos: '0-1-42',
  binlogPos: '0-1-42',
  slavePos: '0-1-42',
  ioRunning: 'Yes',
  sqlRunning: 'Yes',
  lastIoError: null,
  lastSqlError: null,
  behindTransactions: 0,
  semiSync: 'on',
  readOnly: true,
  ...over,
})

describe('replication threads', () => {
  it('words both threads, and a member without replication', () => {
    expect(threadsText(gtid())).toBe('IO Yes · SQL Yes')
    expect(threadsText(gtid({ ioRunning: null, sqlRunning: null }))).toBe('not replicating')
    expect(threadsText(null)).toBe('–')
    expect(replicating(gtid())).toBe(true)
    expect(replicating(gtid({ ioRunning: 'Connecting' }))).toBe(false)
  })

  it('colours them: running ok, connecting warn, stopped or in error bad', () => {
    expect(threadsTone(gtid())).toBe('ok')
    expect(threadsTone(gtid({ ioRunning: 'Connecting' }))).toBe('warn')
    expect(threadsTone(gtid({ sqlRunning: 'No' }))).toBe('bad')
    expect(threadsTone(gtid({ lastIoError: 'error connecting to master' }))).toBe('bad')
    expect(threadsTone(gtid({ ioRunning: null, sqlRunning: null }))).toBe('none')
  })

  it('lists the last errors, IO first', () => {
    expect(threadErrors(gtid({ lastSqlError: 'Duplicate entry', lastIoError: 'Access denied' }))).toEqual([
      { thread: 'IO', text: 'Access denied' },
      { thread: 'SQL', text: 'Duplicate entry' },
    ])
    expect(threadErrors(gtid())).toEqual([])
  })
})

describe('how far behind', () => {
  it('transactions and Seconds_Behind_Master', () => {
    expect(behindText({ lagSeconds: 0, gtid: gtid() })).toBe('0 transactions · 0 s')
    expect(behindText({ lagSeconds: 12, gtid: gtid({ behindTransactions: 1 }) })).toBe('1 transaction · 12 s')
    expect(behindText({ lagSeconds: null, gtid: gtid({ behindTransactions: null }) })).toBe('–')
    expect(behindTone({ lagSeconds: 0, gtid: gtid() })).toBe('ok')
    expect(behindTone({ lagSeconds: 1, gtid: gtid({ behindTransactions: 500 }) })).toBe('warn')
  })
})

describe('words', () => {
  it('says replica, and MariaDB stopped', () => {
    expect(mariaRole('standby')).toBe('replica')
    expect(mariaRole('primary (read-only)')).toBe('primary (read-only)')
    const down = { state: 'down' as const, down: { code: 'not_running' as const, reason: 'x', since: iso(T0) } }
    expect(mariaStateLabel(down)).toBe('MariaDB stopped')
    expect(mariaStateLabel({ state: 'up', down: null })).toBe('Up')
    expect(mariaVersion('10.11.19-MariaDB-0+deb12u1-log')).toBe('10.11.19')
    expect(mariaVersion('odd')).toBe('odd')
    expect(gtidText('0-1-42,1-2-7')).toBe('0-1-42, 1-2-7')
    expect(gtidText('')).toBe('none')
    expect(formatTimeout(10_000)).toBe('10 s')
    expect(formatTimeout(86_400_000)).toBe('24 h')
    expect(memberSemiSyncText(gtid(), true)).toBe('on: commits wait for a replica')
    expect(memberSemiSyncText(gtid({ semiSync: 'off' }), true)).toBe('fell back to asynchronous')
    expect(memberSemiSyncText(gtid({ semiSync: 'disabled' }), false)).toBe('off')
  })
})

describe('semiSyncView', () => {
  const on = { semiSync: { enabled: true, timeoutMs: 10_000 } }
  it('asynchronous when the record does not ask for it', () => {
    expect(semiSyncView({ semiSync: { enabled: false, timeoutMs: 10_000 } }, primaryMember('db1', { gtid: gtid({ semiSync: 'disabled' }) }))).toMatchObject({ label: 'asynchronous', fallback: false, text: null })
  })

  it('semi-synchronous while the primary waits for acknowledgements', () => {
    expect(semiSyncView(on, primaryMember('db1', { gtid: gtid() }))).toEqual({ label: 'semi-synchronous (falls back after 10 s)', tone: 'ok', fallback: false, text: null })
    expect(semiSyncView(on, null)).toMatchObject({ tone: 'none', fallback: false })
    expect(semiSyncView({ semiSync: { enabled: true, timeoutMs: 4_294_967_295 } }, null).label).toBe('semi-synchronous (strict: writes wait for an acknowledgement)')
  })

  it('says the fall-back to asynchronous plainly', () => {
    const v = semiSyncView(on, primaryMember('db1', { gtid: gtid({ semiSync: 'off' }) }))
    expect(v).toMatchObject({ label: 'semi-sync fell back to asynchronous', tone: 'warn', fallback: true })
    expect(v.text).toContain('db1 fell back to asynchronous replication')
    expect(v.text).toContain('within 10 s')
  })

  it('warns when the primary has it switched off', () => {
    const v = semiSyncView(on, standbyMember('db2', null, { role: 'primary', gtid: gtid({ semiSync: 'disabled' }) }))
    expect(v).toMatchObject({ tone: 'warn', fallback: false })
    expect(v.text).toContain('db2 has it switched off')
  })
})
