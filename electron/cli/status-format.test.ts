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
})
