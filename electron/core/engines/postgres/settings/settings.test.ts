// The settings operation's pure parts: what each member should run with, comparing a server's
// value as PostgreSQL means it, the plan's words, and the refusals.
import { describe, expect, it } from 'vitest'
import { parseCluster, type PgCluster } from '../model'
import { assessSettings, recordChanges, refuseUnsupported } from './changes'
import { sameValue, sizeBytes, wantedValues } from './values'

const member = (name: string, sync: boolean, priority = 100) => ({ name, host: name, address: `10.0.0.${name.length}`, dataDir: `/d/${name}`, access: 'postgres' as const, sync, priority })
const cluster = (more: object = {}): PgCluster => parseCluster({ id: 'c', major: '15', members: [member('a', false), member('b', true, 1), member('c', true, 2)], ...more })

describe('what each member runs with', () => {
  it('names the synchronous standbys in priority order, never itself, never a fenced member', () => {
    expect(wantedValues(cluster(), 'a').synchronous_standby_names).toBe('ANY 1 ("b", "c")')
    expect(wantedValues(cluster(), 'b').synchronous_standby_names).toBe('ANY 1 ("c")')
    expect(wantedValues(cluster({ fenced: ['c'] }), 'a').synchronous_standby_names).toBe('ANY 1 ("b")')
    expect(wantedValues(cluster({ synchronousCommit: 'remote_apply', slotWalCap: '10GB' }), 'a')).toMatchObject({ synchronous_commit: 'remote_apply', max_slot_wal_keep_size: '10GB', wal_keep_size: '1GB', max_wal_senders: '10' })
  })

  it('compares sizes as PostgreSQL shows them', () => {
    expect(sizeBytes('1GB')).toBe(1024 ** 3)
    expect(sizeBytes('1024')).toBe(1024 ** 3)
    expect(sizeBytes('-1')).toBe(-1)
    expect(sizeBytes('lots')).toBeUndefined()
    expect(sameValue('wal_keep_size', '1GB', '1024MB')).toBe(true)
    expect(sameValue('max_slot_wal_keep_size', '-1', '0')).toBe(false)
    expect(sameValue('synchronous_standby_names', 'ANY 1 ("b")', 'ANY 1 ("b")')).toBe(true)
  })
})

describe('the plan', () => {
  it('states each change with one sentence on what it means', () => {
    const next = parseCluster({ ...cluster(), sync: { method: 'FIRST', num: 2 }, synchronousCommit: 'remote_write', maxLagBytes: 64 * 1024 * 1024 })
    const changes = recordChanges(cluster(), next)
    expect(changes.map((c) => `${c.setting}: ${c.from} → ${c.to}`)).toEqual([
      'replication mode: ANY 1 of 2 (b, c) → FIRST 2 of 2 (b, c)',
      'synchronous_commit: on → remote_write',
      'maximum lag to be promoted: 16 MiB → 64 MiB',
    ])
    expect(changes[0]!.meaning).toMatch(/waits for the first 2 streaming of b, c in priority order; writes wait while fewer than 2 stream/)
    expect(changes[1]!.meaning).toMatch(/received it in memory/)
  })

  it('says when the new setting makes writes wait now, and warns about FIRST k of k', () => {
    const next = parseCluster({ ...cluster(), sync: { method: 'FIRST', num: 2 } })
    const a = assessSettings(cluster(), next, 'a', ['b'])
    expect(a.blocksWrites).toBe(`'FIRST 2 ("b", "c")' needs 2 of b, c streaming; b streams now. Every write on a waits until enough do.`)
    expect(a.warnings.join(' ')).toMatch(/FIRST 2 names every synchronous replica/)
    expect(assessSettings(cluster(), next, 'a', ['b', 'c']).blocksWrites).toBeUndefined()
    expect(assessSettings(cluster(), cluster(), 'a', ['b']).blocksWrites).toBeUndefined()
  })

  it('per-member changes use one vocabulary (priority 1 is tried first)', () => {
    const next = parseCluster({ ...cluster(), members: [member('a', false), member('b', true, 5), { ...member('c', false, 2), neverPromote: true }] })
    expect(recordChanges(cluster(), next).map((c) => c.setting)).toEqual(['replication mode', 'b: promotion priority', 'c: synchronous', 'c: never promote'])
    expect(recordChanges(cluster(), next)[1]!.meaning).toBe('priority 1 is tried first.')
  })

  it('refuses lowering a restart-only setting and changing members', () => {
    expect(() => refuseUnsupported(cluster(), parseCluster({ ...cluster(), maxReplicationSlots: 5 }))).toThrow(/Lowering max_replication_slots is not automated/)
    expect(() => refuseUnsupported(cluster(), parseCluster({ ...cluster(), members: cluster().members.slice(0, 2) }))).toThrow(/does not add or remove members/)
    expect(() => refuseUnsupported(cluster(), parseCluster({ ...cluster(), maxWalSenders: 12 }))).not.toThrow()
  })
})

describe('adopting the server values', () => {
  it('parses the primary synchronous_standby_names back into synchronous members, order and k', async () => {
    const { adoptedFrom } = await import('./adopt')
    const server = { synchronous_standby_names: 'FIRST 2 ("c", "b")', synchronous_commit: 'remote_apply', max_slot_wal_keep_size: '10GB', wal_keep_size: '2GB', max_wal_senders: '12', max_replication_slots: '10', listen_addresses: '*' }
    const c = adoptedFrom(cluster(), 'a', server)
    expect(c).toMatchObject({ sync: { method: 'FIRST', num: 2 }, synchronousCommit: 'remote_apply', slotWalCap: '10GB', walKeepSize: '2GB', maxWalSenders: 12 })
    expect(c.members.map((m) => [m.name, m.sync, m.priority])).toEqual([['a', false, 100], ['b', true, 2], ['c', true, 1]])
    expect(adoptedFrom(cluster(), 'a', { ...server, synchronous_standby_names: '' }).members.filter((m) => m.sync)).toEqual([])
  })
})
