import { describe, expect, it } from 'vitest'
import { finishedStates, memberOf, memberStates } from './memberState'
import { op } from './testing'

describe('memberStates', () => {
  it('marks the members that running or stopped operations work on, the newest operation winning', () => {
    const states = memberStates([
      op({ name: '3', kind: 'pg-add-replica', status: 'running', params: { member: 'db3' } }),
      op({ name: '2', kind: 'pg-add-replica', status: 'failed', params: { member: 'db2' } }),
      op({ name: '1', kind: 'pg-remove-replica', status: 'interrupted', params: { member: 'db3' } }),
      op({ name: '0', kind: 'pg-create-cluster', status: 'succeeded', params: { primary: 'db1' } }),
    ])
    expect(Object.fromEntries([...states].map(([m, s]) => [m, `${s.label}/${s.tone}`]))).toEqual({ db3: 'being created/busy', db2: 'add stopped/bad' })
  })

  it('rejoin and fence mark their member; switchover and failover name none', () => {
    const states = memberStates([
      op({ name: '3', kind: 'pg-rejoin', status: 'running', params: { member: 'db1', rebuild: false } }),
      op({ name: '2', kind: 'pg-fence', status: 'interrupted', params: { member: 'db2' } }),
      op({ name: '1', kind: 'pg-switchover', status: 'running', params: { from: 'db1', to: 'db3' } }),
    ])
    expect(Object.fromEntries([...states].map(([m, s]) => [m, `${s.label}/${s.tone}`]))).toEqual({ db1: 'rejoining/busy', db2: 'fence stopped/warn' })
  })

  it('reads the member leniently from the params', () => {
    expect(memberOf({ params: { primary: 'db1', mode: 'init' } })).toBe('db1')
    expect(memberOf({ params: null })).toBeUndefined()
    expect(memberOf({ params: { member: 7 } })).toBeUndefined()
  })

  it('finishedStates: the newest operation on a member, when it is an add or a rejoin that succeeded', () => {
    const states = finishedStates([
      op({ name: '4', kind: 'pg-rejoin', status: 'succeeded', endedAt: '2026-01-01T00:00:09.000Z', params: { member: 'db1' } }),
      op({ name: '3', kind: 'pg-add-replica', status: 'succeeded', endedAt: '2026-01-01T00:00:08.000Z', params: { member: 'db3' } }),
      op({ name: '2', kind: 'pg-add-replica', status: 'running', params: { member: 'db2' } }),
      op({ name: '1', kind: 'pg-add-replica', status: 'succeeded', endedAt: '2026-01-01T00:00:01.000Z', params: { member: 'db2' } }),
      op({ name: '0', kind: 'pg-fence', status: 'succeeded', endedAt: '2026-01-01T00:00:01.000Z', params: { member: 'db4' } }),
    ])
    expect(Object.fromEntries([...states].map(([m, s]) => [m, `${s.label}@${s.endedAt.slice(17, 19)}`]))).toEqual({ db1: 'rejoining@09', db3: 'being created@08' })
  })
})
