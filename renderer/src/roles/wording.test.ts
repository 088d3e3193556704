import { describe, expect, it } from 'vitest'
import { roleChangeConfirmLabel, roleChangeDanger, roleChangeTitle } from './wording'

describe('role-change dialog wording', () => {
  it('titles name the cluster, and the member for rejoin and fence', () => {
    expect(['switchover', 'failover', 'rejoin', 'fence'].map((k) => roleChangeTitle(k as 'fence', 'c1', 'pg2'))).toEqual([
      'Switchover in c1',
      'Failover in c1',
      'Rejoin pg2 to c1',
      'Fence pg2 in c1',
    ])
  })

  it('the confirm button names the member the plan promotes, once known', () => {
    const none = { promoted: null, member: null, rebuild: false }
    expect(roleChangeConfirmLabel('switchover', none)).toBe('Switch over')
    expect(roleChangeConfirmLabel('switchover', { ...none, promoted: 'pg3' })).toBe('Switch over to pg3')
    expect(roleChangeConfirmLabel('failover', { ...none, promoted: 'pg2' })).toBe('Fail over to pg2')
    expect(roleChangeConfirmLabel('rejoin', { ...none, member: 'pg1' })).toBe('Rejoin pg1')
    expect(roleChangeConfirmLabel('rejoin', { ...none, member: 'pg1', rebuild: true })).toBe('Rebuild pg1')
    expect(roleChangeConfirmLabel('fence', { ...none, member: 'pg1' })).toBe('Fence pg1')
  })

  it('red for what can lose writes or data', () => {
    expect(roleChangeDanger('switchover', false)).toBe(false)
    expect(roleChangeDanger('rejoin', false)).toBe(false)
    expect(roleChangeDanger('rejoin', true)).toBe(true)
    expect(roleChangeDanger('failover', false) && roleChangeDanger('fence', false)).toBe(true)
  })
})
