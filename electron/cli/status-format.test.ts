import { describe, expect, it } from 'vitest'
import type { ClusterStatus, MemberStatus } from '../../shared/status'
import { formatStatus } from './status-format'

const member = (over: Partial<MemberStatus>): MemberStatus =>
  ({ name: 'db2', host: 'host3', port: 5432, state: 'up', down: null, role: 'standby', timeline: 1, currentLsn: null, replayLsn: '0/3000000', lagBytes: 0, lagSeconds: 0, syncState: 'async', ...over }) as MemberStatus

describe('replicadesk status, human form', () => {
  it('shows how the log of a member that is not running ends, under the table, within the width', () => {
    const down = { code: 'not_running' as const, reason: 'db1 on host2: PostgreSQL is not running on host2 (stopped at 01:00:55).', since: '2026-12-07T01:00:55.000Z', log: { file: '/var/log/postgresql/postgresql-15-main.log', lines: ['2026-12-07 01:00:55.010 UTC [881] FATAL:  terminating connection due to unexpected postmaster exit', 'x'.repeat(200)] } }
    const s = { cluster: 'home', primary: null, at: '2026-12-07T01:00:56.000Z', members: [member({ name: 'db1', host: 'host2', state: 'down', down, role: 'primary' }), member({})] } as unknown as ClusterStatus
    const out = formatStatus(s, 80)
    expect(out.replace(/\s+/g, ' ')).toContain('PostgreSQL is not running on host2 (stopped at 01:00:55)')
    const lines = out.split('\n')
    const at = lines.indexOf('db1: last lines of /var/log/postgresql/postgresql-15-main.log')
    expect(at).toBeGreaterThan(0)
    expect(lines[at + 1]).toMatch(/^ {2}2026-12-07 01:00:55\.010 UTC \[881\] FATAL: {2}terminating connection due to unexp…$/)
    expect(lines.slice(at).every((l) => l.length <= 80)).toBe(true)
  })

  it('a handed-over cluster: the manager\'s leader, its store\'s voters, and why it cannot fail over', () => {
    const automatic = { manager: 'Patroni', store: 'etcd', readFrom: 'host2', leader: 'db2', paused: false, members: [], consensus: { voters: 3, up: ['host2'], down: [{ name: 'host1', error: 'timeout' }, { name: 'host3', error: 'timeout' }], leader: null, quorum: false }, cannotFailover: '2 of 3 etcd voters down', error: null }
    const s = { cluster: 'home', primary: 'db2', at: '2026-12-07T01:00:56.000Z', members: [member({})], automatic } as unknown as ClusterStatus
    const lines = formatStatus(s, 120).split('\n')
    expect(lines).toContain('Automatic failover (Patroni): leader db2; etcd 1/3 voters up (down: host1, host3)')
    expect(lines).toContain('Patroni cannot fail over now: 2 of 3 etcd voters down')
  })

  it('a MariaDB cluster: GTID positions, the replication threads, lag in transactions, semi-sync and the last error', () => {
    const gtid = (over: Partial<NonNullable<MemberStatus['gtid']>>) => ({ currentPos: '0-1-120', binlogPos: '0-1-120', slavePos: '', ioRunning: null, sqlRunning: null, lastIoError: null, lastSqlError: null, behindTransactions: 0, semiSync: 'on' as const, readOnly: false, ...over })
    const s = {
      cluster: 'shop',
      primary: 'm1',
      at: '2026-12-07T01:00:56.000Z',
      members: [
        member({ name: 'm1', host: 'host1', port: 3306, role: 'primary', gtid: gtid({}) }),
        member({ name: 'm2', host: 'host2', port: 3306, lagSeconds: 3, gtid: gtid({ slavePos: '0-1-117', ioRunning: 'Yes', sqlRunning: 'No', behindTransactions: 3, lastSqlError: "Error 'Duplicate entry' on query", readOnly: true }) }),
      ],
    } as unknown as ClusterStatus
    const out = formatStatus(s, 200)
    const m2 = out.split('\n').find((l) => l.startsWith('m2'))!
    expect(m2).toContain('0-1-117')
    expect(m2).toContain('Yes/No')
    expect(m2).toContain('3 trx / 3 s')
    expect(m2).toContain("Error 'Duplicate entry' on query")
    expect(out).not.toContain('timeline')
  })
})
