import { describe, expect, it } from 'vitest'
import { badgeText, busyMembers, memberBadge, sameBadge } from './badge'
import { memberStates, type MemberOperationState } from '../operations/memberState'
import { op } from '../operations/testing'
import { iso, primaryMember, standbyMember, T0 } from './testing/fixtures'

const down = (code: 'not_running' | 'forwarding_refused' | 'ssh_unreachable' | 'shutting_down') => ({ state: 'down' as const, stale: true, down: { code, reason: 'why', since: iso(T0) } })
const creating = { label: 'being created', tone: 'busy' as const, operationId: 'op' }

describe('memberBadge', () => {
  it('says the role the server reports while the member is up', () => {
    expect(badgeText(memberBadge(primaryMember('db1'), false))).toBe('primary')
    expect(badgeText(memberBadge(standbyMember('db2', 'db1'), false))).toBe('standby')
    expect(badgeText(memberBadge(primaryMember('db1', { writable: false }), false))).toBe('primary (read-only)')
  })

  it('a fenced ex-primary is fenced, not primary: "was primary" only as secondary text', () => {
    const b = memberBadge(primaryMember('db1', down('ssh_unreachable')), true)
    expect(b).toMatchObject({ kind: 'fenced', label: 'fenced', was: 'was primary', tone: 'bad', busy: false })
    expect(badgeText(b)).toBe('fenced · was primary')
  })

  it('a member that is down says stopped (PostgreSQL not running) or down (host, ssh), with the role it had', () => {
    expect(memberBadge(primaryMember('db1', down('not_running')), false)).toMatchObject({ kind: 'stopped', label: 'stopped', was: 'was primary' })
    expect(memberBadge(primaryMember('db1', down('shutting_down')), false)).toMatchObject({ kind: 'stopped' })
    expect(memberBadge(standbyMember('db2', 'db1', down('forwarding_refused')), false)).toMatchObject({ kind: 'down', label: 'down', was: 'was standby' })
    expect(memberBadge(primaryMember('db1', { ...down('not_running'), role: null }), false).was).toBeNull()
  })

  it('a member being created is busy, not down, and claims no role it never had', () => {
    const b = memberBadge(primaryMember('db3', { ...down('not_running'), role: null }), false, creating)
    expect(b).toMatchObject({ kind: 'operation', label: 'being created', was: null, tone: 'busy', busy: true })
    // not read yet at all: still being created
    expect(memberBadge(undefined, false, creating)).toMatchObject({ label: 'being created', busy: true })
  })

  it('an operation on the member wins over fenced: a rejoining ex-primary is rejoining', () => {
    const b = memberBadge(primaryMember('db1', down('not_running')), true, { label: 'rejoining', tone: 'busy', operationId: 'op' })
    expect(badgeText(b)).toBe('rejoining · was primary')
    expect(memberBadge(primaryMember('db1'), false, { label: 'add stopped', tone: 'bad', operationId: 'op' })).toMatchObject({ label: 'add stopped', busy: false, tone: 'bad' })
  })

  it('finds the member of an operation in the summary\'s typed field', () => {
    const ops = memberStates([op({ name: '1', kind: 'pg-add-replica', status: 'running', member: 'db3', params: { cluster: {} } })])
    expect(memberBadge(undefined, false, ops.get('db3'))).toMatchObject({ kind: 'operation', label: 'being created', busy: true })
    const db3 = { name: 'db3', ...down('not_running'), role: null, writable: null }
    expect(busyMembers([db3, primaryMember('db1')], new Set(), ops, new Map())).toEqual(new Map([['db3', 'being created']]))
  })

  it('not read yet, or no role read', () => {
    expect(memberBadge(undefined, false).label).toBe('not read yet')
    expect(memberBadge(primaryMember('db1', { state: 'unknown' }), false).kind).toBe('unknown')
    expect(memberBadge(primaryMember('db1', { role: null }), false).label).toBe('role unknown')
  })

  it('equal badges compare equal', () => {
    expect(sameBadge(memberBadge(primaryMember('a'), true), memberBadge(primaryMember('b'), true))).toBe(true)
    expect(sameBadge(memberBadge(primaryMember('a'), true), memberBadge(primaryMember('a'), false))).toBe(false)
  })

  it('an add that just succeeded keeps "being created" while the copy still reads the member stopped since before its end', () => {
    const finished = { ...creating, endedAt: iso(T0 + 5000) }
    const before = { ...primaryMember('db3', down('not_running')), role: null } // down since T0
    expect(memberBadge(before, false, undefined, finished)).toMatchObject({ label: 'being created', busy: true })
    expect(memberBadge(undefined, false, undefined, finished)).toMatchObject({ label: 'being created', busy: true })
    // read up: what it is now
    expect(memberBadge(standbyMember('db3', 'db1'), false, undefined, finished).label).toBe('standby')
    // down again after the end: a real failure, shown as one
    const after = { ...before, down: { code: 'not_running' as const, reason: 'why', since: iso(T0 + 9000) } }
    expect(memberBadge(after, false, undefined, finished)).toMatchObject({ kind: 'stopped', busy: false })
  })

  it('busyMembers: the members an operation works on, with what it does; a stopped add is not busy', () => {
    const members = [primaryMember('db1'), { ...primaryMember('db2', down('not_running')), role: null }, { ...primaryMember('db3', down('not_running')), role: null }, primaryMember('db4', down('ssh_unreachable'))]
    const ops = new Map<string, MemberOperationState>([
      ['db2', creating],
      ['db3', { label: 'add stopped', tone: 'bad' as const, operationId: 'op' }],
    ])
    const finished = new Map([['db4', { ...creating, endedAt: iso(T0 - 1000) }]]) // down since after it ended
    expect(Object.fromEntries(busyMembers(members, new Set(), ops, finished))).toEqual({ db2: 'being created' })
  })
})
