import { describe, expect, it } from 'vitest'
import { finishedStates, memberStates } from './memberState'
import { op } from './testing'

describe('memberStates', () => {
  it('marks the members that running or stopped operations work on, the newest operation winning', () => {
    const states = memberStates([
      op({ name: '3', kind: 'pg-add-replica', status: 'running', member: 'db3' }),
      op({ name: '2', kind: 'pg-add-replica', status: 'failed', member: 'db2' }),
      op({ name: '1', kind: 'pg-remove-replica', status: 'interrupted', member: 'db3' }),
      op({ name: '0', kind: 'pg-create-cluster', status: 'succeeded', member: 'db1' }),
    ])
    expect(Object.fromEntries([...states].map(([m, s]) => [m, `${s.label}/${s.tone}`]))).toEqual({ db3: 'being created/busy', db2: 'add stopped/bad' })
  })

  it('MariaDB adds and removals mark their member the same way', () => {
    const states = memberStates([
      op({ name: '2', kind: 'mariadb-add-replica', status: 'running', member: 'db2' }),
      op({ name: '1', kind: 'mariadb-remove-replica', status: 'failed', member: 'db3' }),
    ])
    expect(Object.fromEntries([...states].map(([m, s]) => [m, `${s.label}/${s.tone}`]))).toEqual({ db2: 'being created/busy', db3: 'removal stopped/bad' })
    const done = finishedStates([op({ name: '3', kind: 'mariadb-add-replica', status: 'succeeded', member: 'db2', endedAt: '2026-12-07T18:00:00.000Z' })])
    expect(done.get('db2')?.label).toBe('being created')
  })

  it('a newer operation that ended well supersedes an older stopped one on the same member', () => {
    const states = memberStates([
      op({ name: '2', kind: 'mariadb-rejoin', status: 'succeeded', member: 'db2' }),
      op({ name: '1', kind: 'mariadb-rejoin', status: 'failed', member: 'db2' }),
      op({ name: '0', kind: 'mariadb-fence', status: 'interrupted', member: 'db3' }),
    ])
    expect(Object.fromEntries([...states].map(([m, s]) => [m, `${s.label}/${s.tone}`]))).toEqual({ db3: 'fence stopped/warn' })
  })

  it('rejoin and fence mark their member; switchover and failover name none', () => {
    const states = memberStates([
      op({ name: '3', kind: 'pg-rejoin', status: 'running', member: 'db1' }),
      op({ name: '2', kind: 'pg-fence', status: 'interrupted', member: 'db2' }),
      op({ name: '1', kind: 'pg-switchover', status: 'running', params: { from: 'db1', to: 'db3' } }),
    ])
    expect(Object.fromEntries([...states].map(([m, s]) => [m, `${s.label}/${s.tone}`]))).toEqual({ db1: 'rejoining/busy', db2: 'fence stopped/warn' })
  })

  it('a settings change that adds one replica marks it being created; one that names no member marks none', () => {
    const states = memberStates([
      op({ name: '2', kind: 'pg-settings', status: 'running', member: 'db3' }),
      op({ name: '1', kind: 'pg-settings', status: 'running' }),
    ])
    expect(Object.fromEntries([...states].map(([m, s]) => [m, `${s.label}/${s.tone}`]))).toEqual({ db3: 'being created/busy' })
    const done = finishedStates([op({ name: '3', kind: 'pg-settings', status: 'succeeded', endedAt: '2026-01-01T00:00:09.000Z', member: 'db3' })])
    expect(done.get('db3')?.label).toBe('being created')
  })

  it('reads the member the core names, never the params', () => {
    const states = memberStates([
      op({ name: '2', kind: 'pg-add-replica', status: 'running', params: { member: 'db9' } }), // an older journal: no member named
      op({ name: '1', kind: 'pg-add-replica', status: 'running', member: 'db2', params: { member: 'db9' } }),
    ])
    expect([...states.keys()]).toEqual(['db2'])
  })

  it('finishedStates: the newest operation on a member, when it is an add or a rejoin that succeeded', () => {
    const states = finishedStates([
      op({ name: '4', kind: 'pg-rejoin', status: 'succeeded', endedAt: '2026-01-01T00:00:09.000Z', member: 'db1' }),
      op({ name: '3', kind: 'pg-add-replica', status: 'succeeded', endedAt: '2026-01-01T00:00:08.000Z', member: 'db3' }),
      op({ name: '2', kind: 'pg-add-replica', status: 'running', member: 'db2' }),
      op({ name: '1', kind: 'pg-add-replica', status: 'succeeded', endedAt: '2026-01-01T00:00:01.000Z', member: 'db2' }),
      op({ name: '0', kind: 'pg-fence', status: 'succeeded', endedAt: '2026-01-01T00:00:01.000Z', member: 'db4' }),
    ])
    expect(Object.fromEntries([...states].map(([m, s]) => [m, `${s.label}@${s.endedAt.slice(17, 19)}`]))).toEqual({ db1: 'rejoining@09', db3: 'being created@08' })
  })
})
