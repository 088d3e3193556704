// Pure logic of live status, with PostgreSQL's samples as the engine's: roles and split brain,
// slots, diffs and their application, the history ring, df parsing, down reasons, answer
// deadlines. (The engine's own figures: engines/postgres/status/status.test.ts.)
import { describe, expect, it } from 'vitest'
import { AppError } from '../../../shared/errors'
import { clusterStatus, memberStatus, statusEvent, type ClusterStatus } from '../../../shared/status'
import { postgresStatus } from '../engines/postgres/status'
import type { RawSample } from '../engines/postgres/status/query'
import type { MemberView } from '../engines/engine'
import { NOW, primary, standby, view } from '../../../e2e/support/status/samples'
import { applyDiff, diffCluster, diffMember, same } from './diff'
import { parseDf } from './disk'
import { capacityFor, HistoryRing } from './history'
import { fromError, fromHostState } from './reasons'
import { settingsOf } from './settings'
import { deriveCluster, nextPosition, nextSplitBrain } from './snapshot'

const derive = (views: MemberView<RawSample>[]) => deriveCluster(postgresStatus, views)

describe('roles, slots and split brain', () => {
  it('names the primary, maps slots to members and lists the others', () => {
    const p = primary('0/6000000', {
      slots: [
        { name: 'rd_db2', type: 'physical', active: true, restartLsn: '0/5F00000', walStatus: 'reserved', safeWalSize: null, retainedBytes: 0x100000 },
        { name: 'old_backup', type: 'physical', active: false, restartLsn: '0/1000000', walStatus: 'extended', safeWalSize: null, retainedBytes: 0x5000000 },
      ],
    })
    const d = derive([view('db1', p), view('db2', standby('0/6000000', '0/6000000'))])
    expect(d.primary).toBe('db1')
    expect(d.members[1]!.slot).toEqual({ name: 'rd_db2', active: true, retainedBytes: 0x100000, walStatus: 'reserved', safeWalSizeBytes: null })
    expect(d.otherSlots.map((s) => s.name)).toEqual(['old_backup'])
    expect(d.position).toEqual({ member: 'db1', lsn: '0/6000000', timeline: 1 })
  })

  it('a primary that is read-only is not writable: no split brain with another primary', () => {
    const d = derive([view('db1', primary('0/6000000', { readOnly: true })), view('db3', primary('0/6000000', { timeline: 2 }))])
    expect(d.writable).toEqual(['db3'])
    expect(d.primary).toBe('db3')
  })

  it('two writable members are a split brain; two names for one server are not', () => {
    const d = derive([view('db1', primary('0/6000000')), view('db2', standby('0/1', '0/1')), view('db3', primary('0/6000100', { timeline: 2 }))])
    expect(d.writable).toEqual(['db1', 'db3'])
    expect(d.primary).toBeNull()
    const alarm = nextSplitBrain(null, d.writable, 'c1', new Date(NOW))!
    expect(alarm.members).toEqual(['db1', 'db3'])
    expect(alarm.message).toContain('db1 and db3 both accept writes')
    expect(nextSplitBrain(alarm, ['db1', 'db3'], 'c1', new Date(NOW + 5000))).toBe(alarm)
    expect(nextSplitBrain(alarm, ['db1'], 'c1', new Date(NOW + 5000))).toBeNull()
    const twice = derive([view('a', primary('0/1')), view('b', primary('0/1'), { instanceKey: 'k-a' })])
    expect(twice.writable).toEqual(['a'])
  })

  it('keeps the time the primary was first seen at a position', () => {
    const p1 = nextPosition(null, { member: 'db1', lsn: '0/1', timeline: 1 }, new Date(NOW))!
    expect(nextPosition(p1, { member: 'db1', lsn: '0/1', timeline: 1 }, new Date(NOW + 9000))).toBe(p1)
    expect(nextPosition(p1, null, new Date(NOW + 9000))).toBe(p1)
    expect(nextPosition(p1, { member: 'db1', lsn: '0/2', timeline: 1 }, new Date(NOW + 9000))!.at).toBe(new Date(NOW + 9000).toISOString())
  })
})

describe('diffs', () => {
  const snap = (members: ReturnType<typeof derive>['members'], over: Partial<ClusterStatus> = {}): ClusterStatus => ({
    cluster: 'c1',
    seq: 0,
    at: new Date(NOW).toISOString(),
    periodMs: 1000,
    primary: 'db1',
    splitBrain: null,
    members,
    otherSlots: [],
    lastPrimary: null,
    ...over,
  })

  it('carries only changed fields, nothing for an idle cluster, and applies back to the same snapshot', () => {
    const a = snap(derive([view('db1', primary('0/5000000')), view('db2', standby('0/5000000', '0/5000000'))]).members)
    const idle = snap(derive([view('db1', primary('0/5000000')), view('db2', standby('0/5000000', '0/5000000'))]).members, { at: new Date(NOW + 1000).toISOString() })
    expect(diffCluster(a, idle)).toBeNull()
    const b = snap(derive([view('db1', primary('0/5000100')), view('db2', standby('0/5000100', '0/5000000'))]).members)
    const d = diffCluster(a, b)!
    expect(d.clusterChanges).toBeUndefined()
    expect(d.members).toEqual([
      { name: 'db1', changes: { currentLsn: '0/5000100' } },
      { name: 'db2', changes: { receiveLsn: '0/5000100', lagBytes: 0x100, lagSeconds: null } },
    ])
    const applied = applyDiff(a, { ...d, seq: 1, at: b.at })
    expect(applied).toEqual({ ...b, seq: 1 })
    expect(clusterStatus.safeParse(applied).success).toBe(true)
    expect(statusEvent.safeParse({ kind: 'diff', cluster: 'c1', seq: 1, at: b.at, ...d }).success).toBe(true)
  })

  it('a down member and a split brain show in the diff', () => {
    const a = snap(derive([view('db1', primary('0/1')), view('db2', standby('0/1', '0/1'))]).members)
    const down = { code: 'not_running' as const, reason: 'db2 on h-db2: PostgreSQL is not running', since: new Date(NOW).toISOString() }
    const b = snap(derive([view('db1', primary('0/1')), view('db2', standby('0/1', '0/1'), { state: 'down', down, fresh: false })]).members, {
      primary: null,
      splitBrain: { members: ['db1', 'db3'], since: new Date(NOW).toISOString(), message: 'x' },
    })
    const d = diffCluster(a, b)!
    expect(d.members[0]).toMatchObject({ name: 'db2', changes: { state: 'down', down, stale: true, lagBytes: null } })
    expect(d.clusterChanges).toEqual({ primary: null, splitBrain: b.splitBrain })
    expect(memberStatus.partial().safeParse(d.members[0]!.changes).success).toBe(true)
  })

  it('compares values, not identities', () => {
    expect(same({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBe(true)
    expect(same({ a: 1 }, { a: 1, b: undefined })).toBe(false)
    expect(same([1], { 0: 1 })).toBe(false)
    expect(diffMember(undefined, derive([view('db1', primary('0/1'))]).members[0]!)).toMatchObject({ name: 'db1', role: 'primary' })
  })
})

describe('history ring', () => {
  it('keeps the newest rows in order after wrapping, with null for unknown', () => {
    const h = new HistoryRing(['db1', 'db2'], 4)
    for (let i = 0; i < 6; i++) h.push(1000 * i, [0, i], [0, i === 4 ? null : i / 10])
    expect(h.size).toBe(4)
    const r = h.read('c1', 1000)
    expect(r.t).toEqual([2000, 3000, 4000, 5000])
    expect(r.members[1]).toEqual({ name: 'db2', lagBytes: [2, 3, 4, 5], lagSeconds: [0.2, 0.3, null, 0.5] })
    expect(h.read('c1', 1000, 3500).t).toEqual([4000, 5000])
  })

  it('holds 15 minutes at 1 s in about 21 KB per member', () => {
    const cap = capacityFor(900, 1000)
    expect(cap).toBe(901)
    const h = new HistoryRing(Array.from({ length: 50 }, (_, i) => `m${i}`), cap)
    expect(h.byteLength).toBe(8 * cap * (1 + 2 * 50))
    expect(h.byteLength / 50).toBeLessThan(22_000)
  })
})

describe('parsing what servers print', () => {
  it('df -P -B1 lines, including a file system name with spaces; unreadable dirs are absent', () => {
    const out = [
      '/var/lib/postgresql/15/main\t/dev/sda1 270553174016 187395616768 83158532096  70% /',
      '/srv/pg data\tmy fs 1000 400 600 40% /srv/pg data',
      '/nope\tERR',
    ].join('\n')
    const m = parseDf(out, new Date(NOW))
    expect(m.get('/var/lib/postgresql/15/main')).toEqual({ path: '/var/lib/postgresql/15/main', freeBytes: 83158532096, totalBytes: 270553174016, at: new Date(NOW).toISOString() })
    expect(m.get('/srv/pg data')?.freeBytes).toBe(600)
    expect(m.has('/nope')).toBe(false)
  })
})

describe('down reasons', () => {
  const who = { name: 'db2', host: 'host2', user: 'rdadmin' }
  it('names the member and host and says what to do', () => {
    const refused = new AppError('ssh_connect', 'sshd on rdadmin@10.0.0.2 refused … AllowStreamLocalForwarding …', { reason: 'stream_local_refused' })
    expect(fromError(who, refused, postgresStatus)).toMatchObject({ code: 'forwarding_refused' })
    expect(fromError(who, new AppError('ssh_connect', 'Nothing listens', { reason: 'socket_missing' }), postgresStatus)).toEqual({ code: 'not_running', reason: 'db2 on host2: PostgreSQL is not running (Nothing listens)' })
    // the engine reads its own errors first
    expect(fromError(who, Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }), postgresStatus)).toEqual({ code: 'shutting_down', reason: 'db2 on host2: PostgreSQL is shutting down (administrator command).' })
    expect(fromError(who, Object.assign(new Error('role "rdadmin" does not exist'), { code: '28000' }), postgresStatus).code).toBe('no_access')
    expect(fromError(who, new Error('Connection terminated unexpectedly'), postgresStatus).code).toBe('connection_lost')
    expect(fromError(who, new AppError('ssh_host_key_changed', 'changed'), postgresStatus).code).toBe('ssh_needs_user')
  })
  it('maps SSH connection states', () => {
    const base = { key: 'k', label: 'rdadmin@10.0.0.2', address: '10.0.0.2', port: 22, user: 'rdadmin', since: '' }
    expect(fromHostState(who, { ...base, state: 'connected' })).toBeNull()
    expect(fromHostState(who, { ...base, state: 'unreachable', reason: 'stopped answering' })).toEqual({ code: 'ssh_unreachable', reason: 'db2 on host2: host unreachable over SSH. stopped answering' })
    expect(fromHostState(who, { ...base, state: 'auth_failed', reason: 'refused every login method' })!.code).toBe('ssh_needs_user')
  })
})

describe('one server under two names', () => {
  it('is one writable member for split brain', () => {
    const d = derive([view('a', primary('0/5000100')), view('b', primary('0/5000100'), { instanceKey: 'k-a' }), view('s', standby('0/5000000', '0/5000000'))])
    expect(d.writable).toEqual(['a'])
  })
})

describe('answer deadlines', () => {
  it('show a hung server down within 2 s at the default period, and reopen its session later', () => {
    const s = settingsOf()
    // worst case: the server hangs right after an answer; the next poll goes out a period later
    expect(s.periodMs + s.answerTimeoutMs).toBeLessThanOrEqual(1800)
    expect(s.answerTimeoutMs).toBeGreaterThanOrEqual(500) // no false alarm for a slow poll under that
    expect(s.reopenAfterMs).toBe(3000)
    expect(settingsOf({ periodMs: 5000 })).toMatchObject({ answerTimeoutMs: 4000, reopenAfterMs: 15_000 })
    expect(settingsOf({ answerTimeoutMs: 4000, reopenAfterMs: 1000 }).reopenAfterMs).toBe(4000)
  })
})
