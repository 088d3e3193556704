import { describe, expect, it } from 'vitest'
import type { HostCandidate, PrepareReport } from '../../../shared/prepare'
import { mariaPickerMark, newMemberFields, pickerMark, pickerOrder, preparedOf } from './hostPicker'

const report = (over: Partial<PrepareReport> = {}): PrepareReport => ({ host: 'h', login: 'pi', access: 'sudo', debian: true, installed: ['15'], offered: ['15'], checks: [], ready: true, memberMissing: [], ...over })
const candidate = (host: string, over: Partial<HostCandidate> = {}): HostCandidate => ({ host, members: [], rank: null, why: '', ...over })

describe('the host picker marks', () => {
  it('says prepared or not from the checks, the cluster major included', () => {
    expect(preparedOf({ report: report(), checking: false, major: '15' })).toEqual({ prepared: 'ready', why: 'prepared' })
    expect(preparedOf({ report: report({ memberMissing: ['PostgreSQL installed', 'Act as postgres'] }), checking: false })).toEqual({ prepared: 'not-prepared', why: 'not prepared: PostgreSQL installed; Act as postgres' })
    expect(preparedOf({ report: report({ installed: ['13'] }), checking: false, major: '15' }).why).toBe('not prepared: no PostgreSQL 15 (has 13)')
    expect(preparedOf({ checking: true }).prepared).toBe('checking')
    expect(preparedOf({ checking: false, error: { message: 'unreachable' } })).toEqual({ prepared: 'unchecked', why: 'not checked: unreachable' })
  })

  it('marks the members of the cluster and the core\'s first choice', () => {
    const inCluster = pickerMark({ cluster: 'demo', candidate: candidate('host1', { members: ['pg1'], why: 'runs pg1 of demo' }), report: report(), checking: false })
    expect(inCluster).toMatchObject({ members: ['pg1'], prepared: 'ready', suggested: false, note: 'in demo: pg1 · prepared' })
    const best = pickerMark({ cluster: 'demo', candidate: candidate('host4', { rank: 0, why: 'failure domain "rack 2", where no member runs' }), checking: true })
    expect(best).toMatchObject({ suggested: true, rank: 0, note: 'checking… · suggested: failure domain "rack 2", where no member runs' })
  })

  it('orders free hosts by the core\'s rank, then members, then the rest', () => {
    const marks = new Map([
      ['a', pickerMark({ candidate: candidate('a', { members: ['pg1'] }), checking: false })],
      ['b', pickerMark({ candidate: candidate('b', { rank: 1 }), checking: false })],
      ['c', pickerMark({ candidate: candidate('c', { rank: 0 }), checking: false })],
    ])
    expect(pickerOrder([{ name: 'z' }, { name: 'a' }, { name: 'b' }, { name: 'c' }], marks).map((h) => h.name)).toEqual(['c', 'b', 'a', 'z'])
  })
})

describe('the new member in the cluster\'s pattern', () => {
  it('takes the core\'s name, data dir and port, off what the host is seen running', () => {
    const c = candidate('host3', { rank: 0, name: 'pg3', dataDir: '/var/lib/postgresql/15/demo', port: 5432 })
    expect(newMemberFields(c, { ports: [], dataDirs: [] })).toEqual({ name: 'pg3', dataDir: '/var/lib/postgresql/15/demo', port: '5432' })
    expect(newMemberFields(c, { ports: [5432, 5433], dataDirs: ['/var/lib/postgresql/15/demo'] })).toEqual({ name: 'pg3', dataDir: '/var/lib/postgresql/15/demo-2', port: '5434' })
    expect(newMemberFields(candidate('host1', { members: ['pg1'] }), { ports: [], dataDirs: [] })).toBeUndefined()
  })
})

describe('mariaPickerMark', () => {
  it('names the cluster members on a host and ranks free hosts first, with no PostgreSQL prepare verdict', () => {
    const members = [{ name: 'db1', host: 'host1' }]
    expect(mariaPickerMark('host1', members, 'm1')).toEqual({ members: ['db1'], prepared: 'unchecked', note: 'in m1: db1', suggested: false, rank: null })
    expect(mariaPickerMark('host2', members, 'm1')).toMatchObject({ members: [], note: '', rank: 0 })
  })
})
