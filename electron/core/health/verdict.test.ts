// The verdict's numbers for one primary and two replicas in async, ANY 1 and FIRST 2, with
// each member down in turn; the single points of failure; what counts as getting worse.
import { describe, expect, it } from 'vitest'
import type { ClusterStatus, MemberStatus } from '../../../shared/status'
import { parseCluster, type PgCluster } from '../engines/postgres/model'
import { survival, syncUnmet } from '../engines/postgres/survival'
import { findings, type FindingsInput } from './findings'
import { slotGrowth, verdict, worsening } from './verdict'

const member = (name: string, sync: boolean, priority: number) => ({ name, host: `h${name.slice(-1)}`, address: `10.0.0.${priority}`, dataDir: `/d/${name}`, access: 'postgres' as const, sync, priority })
const cluster = (mode: 'async' | 'ANY 1' | 'FIRST 2', more: object = {}): PgCluster =>
  parseCluster({ id: 'c', major: '15', sync: { method: mode === 'FIRST 2' ? 'FIRST' : 'ANY', num: mode === 'FIRST 2' ? 2 : 1 }, members: [member('db1', mode !== 'async', 1), member('db2', mode !== 'async', 2), member('db3', mode !== 'async', 3)], ...more })

function ms(name: string, o: Partial<MemberStatus> = {}): MemberStatus {
  const primary = name === 'db1'
  return { name, host: `h${name.slice(-1)}`, port: 5432, state: 'up', down: null, stale: false, role: primary ? 'primary' : 'standby', writable: primary, version: '15', timeline: 1, currentLsn: null, receiveLsn: null, replayLsn: null, lagBytes: 0, lagSeconds: 0, senderState: primary ? null : 'streaming', syncState: null, upstream: null, slot: null, disk: null, startedAt: null, ...o }
}
const down = (name: string) => ms(name, { state: 'down', down: { code: 'ssh_unreachable', reason: 'gone', since: '2026-01-01T00:00:00Z' }, senderState: null })
function status(downName?: string): ClusterStatus {
  const members = ['db1', 'db2', 'db3'].map((n) => (n === downName ? down(n) : ms(n)))
  return { cluster: 'c', seq: 1, at: '2026-01-01T00:00:00Z', periodMs: 1000, primary: downName === 'db1' ? null : 'db1', splitBrain: null, members, otherSlots: [], lastPrimary: null }
}
const numbers = (c: PgCluster, s: ClusterStatus) => {
  const v = survival(c, s)
  return [v.noLoss.failures, v.writes.failures]
}

describe('survives: [without losing a write, keeping writes]', () => {
  it.each([
    ['async', undefined, [0, 2]],
    ['async', 'db2', [0, 1]],
    ['async', 'db3', [0, 1]],
    ['ANY 1', undefined, [1, 1]],
    // The write is on db1 and the one streaming replica: either may die, not both.
    ['ANY 1', 'db2', [1, 0]],
    ['ANY 1', 'db3', [1, 0]],
    ['FIRST 2', undefined, [2, 0]],
    ['FIRST 2', 'db2', [1, 0]],
  ] as const)('%s, %s down: %j', (mode, gone, want) => {
    expect(numbers(cluster(mode), status(gone))).toEqual(want)
  })

  it('primary down: nothing is claimed', () => {
    const v = survival(cluster('ANY 1'), status('db1'))
    expect(v.noLoss).toMatchObject({ failures: 0, why: 'no member accepts writes now.' })
  })

  it('says why in one line, naming the failures that break it', () => {
    const v = survival(cluster('ANY 1'), status())
    expect(v.noLoss.why).toBe('ANY 1 of 2 (db2, db3): every acknowledged write is on db1 and 1 synchronous replica streaming; if db1 and db2 fail, the last writes may be gone.')
    expect(v.writes.why).toBe('1 failure (a failover included); if db1 and db2 fail, after a failover writes wait: ANY 1 (db2) cannot be met with none of them left.')
    expect(survival(cluster('async'), status()).noLoss.why).toMatch(/^asynchronous: the last writes db1 acknowledged may be on no other member/)
  })

  it('never-promote and fenced replicas do not count as candidates', () => {
    const c = cluster('async', { members: [member('db1', false, 1), { ...member('db2', false, 2), neverPromote: true }, member('db3', false, 3)], fenced: ['db3'] })
    expect(survival(c, status()).writes.failures).toBe(0)
  })

  it('writes that wait already survive nothing, and say so', () => {
    expect(survival(cluster('FIRST 2'), status('db2')).writes.why).toBe('writes wait now: writes on db1 wait: FIRST 2 (db2, db3) cannot be met with only db3 left.')
  })

  it('names the synchronous requirement the primary cannot meet', () => {
    expect(syncUnmet(cluster('FIRST 2'), status('db3'))).toBe('FIRST 2 of db2, db3 needs 2 streaming, db2 streams')
    expect(syncUnmet(cluster('ANY 1'), status('db3'))).toBeUndefined()
  })
})

const input = (c: PgCluster, s: ClusterStatus, more: Partial<FindingsInput> = {}): FindingsInput => ({
  record: c,
  status: s,
  hosts: new Map([['h1', { machineId: 'a' }], ['h2', { machineId: 'b' }], ['h3', { machineId: 'c' }]]),
  domains: new Map([['h1', 'rack 1'], ['h2', 'rack 2'], ['h3', 'the NAS']]),
  slotGrowth: new Map(),
  ...more,
})

describe('single points of failure', () => {
  it('a healthy cluster has only the backup line (info) and is healthy', () => {
    const c = cluster('ANY 1')
    const v = verdict({ ...input(c, status()), survival: survival(c, status()) })
    expect(v.state).toBe('healthy')
    expect(v.findings.map((f) => f.id)).toEqual(['no-backup'])
    expect(v.findings[0]!.text).toMatch(/DROP TABLE/)
  })

  it('two hosts with one machine-id are one machine, and VMs cloned from one image are named as the likely cause', () => {
    const f = findings(input(cluster('ANY 1'), status(), { hosts: new Map([['h1', { machineId: 'a' }], ['h2', { machineId: 'a', devices: { db2: '2049' } }], ['h3', { machineId: 'c' }]]) }))
    const same = f.find((x) => x.id === 'same-machine:db1,db2')!
    expect(same.severity).toBe('critical')
    expect(same.text).toBe('db1 and db2 run on one machine (h1 and h2 have the same /etc/machine-id): one dead box or disk takes them together.')
    expect(same.fix).toMatch(/cloned from one image/)
  })

  it('two members in one failure domain; no domains at all; a VM without a domain', () => {
    expect(findings(input(cluster('ANY 1'), status(), { domains: new Map([['h1', 'ups'], ['h2', 'ups']]) })).find((x) => x.id.startsWith('same-domain'))).toMatchObject({ severity: 'warning', text: 'db1 and db2 are all in failure domain "ups": one failure there takes them together.' })
    const none = findings(input(cluster('ANY 1'), status(), { domains: new Map(), hosts: new Map([['h1', { machineId: 'a', virt: 'kvm' }]]) }))
    expect(none.map((x) => x.id)).toEqual(expect.arrayContaining(['no-domains', 'virt:h1']))
  })

  it('fewer replicas than desired, a replica down, a synchronous setting nobody meets, no candidate', () => {
    const c = cluster('FIRST 2', { desiredReplicas: 3 })
    const f = findings(input(c, status('db3'), { syncUnmet: syncUnmet(c, status('db3')) }))
    expect(f.map((x) => x.id)).toEqual(expect.arrayContaining(['desired', 'down:db3', 'sync-unmet']))
    const lagging = { ...status(), members: status().members.map((m) => (m.name === 'db1' ? m : { ...m, lagBytes: 1e9 })) }
    expect(findings(input(cluster('ANY 1'), lagging)).find((x) => x.id === 'no-candidate')?.text).toMatch(/more than 16 MiB behind/)
  })

  it('handed to Patroni, a replica down is left to Patroni, with the rebuild as the fallback', () => {
    const c = cluster('ANY 1', { automatic: { mode: 'patroni', scope: 'c', restApiPort: 8008, etcdHosts: ['h1', 'h2', 'h3'] } })
    expect(findings(input(c, status('db3'))).find((x) => x.id === 'down:db3')?.fix).toMatch(/^Patroni starts it again .*\(rejoin c db3 --rebuild\)/)
    expect(findings(input(cluster('ANY 1'), status('db3'))).find((x) => x.id === 'down:db3')?.fix).toBe('Start it, or rejoin it if it was a primary.')
  })

  it('a slot filling the disk is predicted in hours; an invalidated slot needs a rebuild', () => {
    const s = status('db3')
    s.members[0] = { ...s.members[0]!, disk: { path: '/d', freeBytes: 3600 * 1048576, totalBytes: 1e12, at: s.at } }
    s.members[2] = { ...s.members[2]!, slot: { name: 'rd_db3', active: false, retainedBytes: 100 * 1048576, walStatus: 'extended', safeWalSizeBytes: null } }
    const f = findings(input(cluster('ANY 1'), s, { slotGrowth: new Map([['rd_db3', 1048576]]), diskFill: 1048576 }))
    expect(f.find((x) => x.id === 'slot-fill:rd_db3')?.text).toBe('Slot rd_db3 holds 100 MiB of WAL and grows 1.0 MiB/s: the primary\'s disk (3600 MiB free) is full in about 60 minutes.')
    s.members[2] = { ...s.members[2]!, slot: { name: 'rd_db3', active: false, retainedBytes: null, walStatus: 'lost', safeWalSizeBytes: null } }
    expect(findings(input(cluster('ANY 1'), s)).find((x) => x.id === 'slot-lost:rd_db3')?.severity).toBe('critical')
  })
})

describe('getting worse', () => {
  it('new non-info findings and lower numbers count; the same finding again does not', () => {
    const c = cluster('ANY 1')
    const good = verdict({ ...input(c, status()), survival: survival(c, status()) })
    const bad = verdict({ ...input(c, status('db3')), survival: survival(c, status('db3')) })
    const w = worsening(good, bad)
    expect(w.findings.map((f) => f.id)).toEqual(['down:db3', 'writes-spof'])
    expect(w.survival).toEqual(['survives 0 failure(s) and keeps writing (was 1)'])
    expect(worsening(bad, bad)).toEqual({ findings: [], survival: [] })
  })

  it('slot growth is measured between two snapshots', () => {
    const a = status()
    a.members[2] = { ...a.members[2]!, slot: { name: 'rd_db3', active: false, retainedBytes: 1000, walStatus: 'reserved', safeWalSizeBytes: null } }
    const b = { ...a, at: '2026-01-01T00:00:10Z', members: a.members.map((m) => (m.slot ? { ...m, slot: { ...m.slot, retainedBytes: 21000 } } : m)) }
    expect(slotGrowth(a, b).get('rd_db3')).toBe(2000)
  })
})
