// The record effects table: what an operation writes to its cluster record when it starts, on
// journal changes, and when it succeeds or is abandoned. Fence marks kept in step with a
// failover's journal: the old primary is marked by the time the fence step starts (also when
// another process resumes it), and unmarked when the failover is abandoned before its promotion.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { OperationSummary } from '../../../shared/operations'
import { parseCluster } from '../engines/postgres'
import { applyOperationOutcome, applyOperationStart } from './record-effects'
import { ClustersStore } from './clusters-store'

const dirs: string[] = []
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })))

const clusterOf = (names: string[]) =>
  parseCluster({ id: 'c', major: '15', members: names.map((n, i) => ({ name: n, host: `h${i + 1}`, address: `10.0.0.${i + 1}`, dataDir: `/d/${n}`, access: 'postgres' })) })

async function storeWithCluster(names = ['a', 'b']) {
  const store = emptyStore()
  await store.update('c', () => clusterOf(names))
  return store
}

function emptyStore() {
  const dir = mkdtempSync(join(tmpdir(), 'rd-records-'))
  dirs.push(dir)
  return new ClustersStore(dir)
}

const failover = (status: string, fence: { startedAt?: string; status: string }, promote: { startedAt?: string; status: string } = { status: 'pending' }) =>
  ({ id: 'op1', kind: 'pg-failover', clusterId: 'c', status, params: { from: 'a', to: 'b' }, steps: [{ id: 'assess', status: 'done', startedAt: 't' }, { id: 'fence', ...fence }, { id: 'promote', ...promote }] }) as unknown as OperationSummary

const ended = (kind: string, status: string, params: object) => ({ id: 'op2', kind, clusterId: 'c', status, params, steps: [] }) as unknown as OperationSummary

describe('fence marks from a failover', () => {
  it('marks the old primary once the fence step started (once: no write when it is marked already)', async () => {
    const store = await storeWithCluster()
    expect(await applyOperationOutcome(store, failover('running', { status: 'pending' }))).toBe(false)
    expect((await store.get('c')).fenced).toEqual([])
    expect(await applyOperationOutcome(store, failover('running', { status: 'running', startedAt: 't' }))).toBe(true)
    expect((await store.get('c')).fenced).toEqual(['a'])
    expect(await applyOperationOutcome(store, failover('succeeded', { status: 'done', startedAt: 't' }, { status: 'done', startedAt: 't' }))).toBe(false)
    expect((await store.get('c')).fenced).toEqual(['a'])
  })

  it('abandoned before the promotion: unmarked, and not marked again while abandoning', async () => {
    const store = await storeWithCluster()
    await applyOperationOutcome(store, failover('running', { status: 'done', startedAt: 't' }))
    expect(await applyOperationOutcome(store, failover('abandoned', { status: 'undone', startedAt: 't' }))).toBe(true)
    expect((await store.get('c')).fenced).toEqual([])
    expect(await applyOperationOutcome(store, failover('abandoning', { status: 'done', startedAt: 't' }))).toBe(false)
    expect((await store.get('c')).fenced).toEqual([])
  })

  it('abandoned after the promotion started: the mark stays', async () => {
    const store = await storeWithCluster()
    await applyOperationOutcome(store, failover('running', { status: 'done', startedAt: 't' }))
    expect(await applyOperationOutcome(store, failover('abandoned', { status: 'done', startedAt: 't' }, { status: 'undone', startedAt: 't' }))).toBe(false)
    expect((await store.get('c')).fenced).toEqual(['a'])
  })
})

describe('what the call that starts an operation writes', () => {
  it('records a new cluster and a new member from the params; marks the member a fence or failover replaces', async () => {
    const store = emptyStore()
    await applyOperationStart(store, { kind: 'pg-create-cluster', clusterId: 'c', params: { cluster: clusterOf(['a']) } })
    expect((await store.get('c')).members.map((m) => m.name)).toEqual(['a'])
    await applyOperationStart(store, { kind: 'pg-add-replica', clusterId: 'c', params: { cluster: clusterOf(['a', 'b']), member: 'b' } })
    expect((await store.get('c')).members.map((m) => m.name)).toEqual(['a', 'b'])
    await applyOperationStart(store, { kind: 'pg-fence', clusterId: 'c', params: { member: 'b' } })
    await applyOperationStart(store, { kind: 'pg-failover', clusterId: 'c', params: { from: 'a', to: 'b' } })
    await applyOperationStart(store, { kind: 'pg-failover', clusterId: 'c', params: { from: 'a', to: 'b' } })
    expect((await store.get('c')).fenced).toEqual(['b', 'a'])
  })

  it('leaves the record alone for a failover without a known old primary, a switchover, rejoin or removal', async () => {
    const store = await storeWithCluster()
    const before = await store.get('c')
    for (const [kind, params] of [['pg-failover', { from: null, to: 'b' }], ['pg-switchover', { from: 'a', to: 'b' }], ['pg-rejoin', { member: 'a' }], ['pg-remove-replica', { member: 'b' }]] as const) {
      await applyOperationStart(store, { kind, clusterId: 'c', params })
    }
    expect(await store.get('c')).toEqual(before)
  })
})

describe('what an operation writes when it ends', () => {
  it('an abandoned creation takes the record out, an abandoned add its member', async () => {
    const store = await storeWithCluster(['a', 'b'])
    expect(await applyOperationOutcome(store, ended('pg-add-replica', 'abandoned', { member: 'b' }))).toBe(true)
    expect((await store.get('c')).members.map((m) => m.name)).toEqual(['a'])
    expect(await applyOperationOutcome(store, ended('pg-add-replica', 'failed', { member: 'a' }))).toBe(false)
    expect(await applyOperationOutcome(store, ended('pg-create-cluster', 'abandoned', {}))).toBe(true)
    expect(await store.list()).toEqual([])
  })

  it('a finished removal takes the member out; a finished rejoin takes its fence mark away', async () => {
    const store = await storeWithCluster(['a', 'b'])
    await applyOperationStart(store, { kind: 'pg-fence', clusterId: 'c', params: { member: 'a' } })
    expect(await applyOperationOutcome(store, ended('pg-rejoin', 'running', { member: 'a' }))).toBe(false)
    expect(await applyOperationOutcome(store, ended('pg-rejoin', 'succeeded', { member: 'a' }))).toBe(true)
    expect((await store.get('c')).fenced).toEqual([])
    expect(await applyOperationOutcome(store, ended('pg-remove-replica', 'succeeded', { member: 'b' }))).toBe(true)
    expect((await store.get('c')).members.map((m) => m.name)).toEqual(['a'])
    expect(await applyOperationOutcome(store, ended('pg-switchover', 'succeeded', { from: 'a', to: 'b' }))).toBe(false)
  })

  it('automatic failover: on once the hand-over succeeded, off only once the hand-back succeeded', async () => {
    const store = await storeWithCluster(['a', 'b', 'c'])
    const cluster = await store.get('c')
    expect(await applyOperationOutcome(store, ended('pg-handover', 'succeeded', { cluster }))).toBe(true)
    expect((await store.get('c')).automatic).toEqual({ mode: 'patroni', scope: 'c', restApiPort: 8008, etcdHosts: ['h1', 'h2', 'h3'] })
    expect(await applyOperationOutcome(store, ended('pg-handback', 'failed', { cluster }))).toBe(false)
    expect((await store.get('c')).automatic).toBeDefined()
    expect(await applyOperationOutcome(store, ended('pg-handback', 'succeeded', { cluster }))).toBe(true)
    expect((await store.get('c')).automatic).toBeUndefined()
  })
})

describe('an adopted Patroni cluster', () => {
  const adopted = { ...clusterOf(['a', 'b']), automatic: { mode: 'patroni' as const, scope: 's', restApiPort: 8008, etcdHosts: ['h1', 'h2'] } }
  it('is recorded when the adopt succeeds, not before, not when it failed; an existing record is kept', async () => {
    const store = emptyStore()
    expect(await applyOperationOutcome(store, ended('pg-patroni-adopt', 'running', { cluster: adopted }))).toBe(false)
    expect(await applyOperationOutcome(store, ended('pg-patroni-adopt', 'failed', { cluster: adopted }))).toBe(false)
    expect(await store.find('c')).toBeNull()
    expect(await applyOperationOutcome(store, ended('pg-patroni-adopt', 'succeeded', { cluster: adopted }))).toBe(true)
    expect((await store.get('c')).automatic).toEqual(adopted.automatic)
    const other = await storeWithCluster(['x'])
    await applyOperationOutcome(other, ended('pg-patroni-adopt', 'succeeded', { cluster: adopted }))
    expect((await other.get('c')).members.map((m) => m.name)).toEqual(['x'])
  })
})

describe('records of another engine (MariaDB) beside PostgreSQL ones in one file', () => {
  const maria = (names: string[]) => ({ engine: 'mariadb' as const, id: 'm', members: names.map((n, i) => ({ name: n, host: `h${i + 1}`, address: `10.0.0.${i + 1}`, dataDir: `/srv/mdb/${n}`, serverId: i + 1 })) })
  const op = (kind: string, status: string, params: object, steps: object[] = []) => ({ id: 'op3', kind, clusterId: 'm', status, params, steps }) as unknown as OperationSummary

  it('a MariaDB add is recorded when it starts and taken out when abandoned; the PostgreSQL record is untouched', async () => {
    const store = await storeWithCluster()
    await applyOperationStart(store, { kind: 'mariadb-create-cluster', clusterId: 'm', params: { cluster: maria(['m1']) } })
    await applyOperationStart(store, { kind: 'mariadb-add-replica', clusterId: 'm', params: { cluster: maria(['m1', 'm2']), member: 'm2' } })
    expect((await store.getAny('m')).members.map((x) => x.name)).toEqual(['m1', 'm2'])
    expect(await applyOperationOutcome(store, op('mariadb-add-replica', 'abandoned', { member: 'm2' }))).toBe(true)
    expect((await store.getAny('m')).members.map((x) => x.name)).toEqual(['m1'])
    expect((await store.list()).map((c) => c.id)).toEqual(['c'])
    expect((await store.listAll()).map((c) => c.id).sort()).toEqual(['c', 'm'])
    // A PostgreSQL change may not take a MariaDB cluster's name.
    await expect(store.update('m', () => clusterOf(['x']))).rejects.toThrow(/taken by a MariaDB cluster/)
  })

  it('a MariaDB failover marks the old primary fenced from its start; a rejoin takes the mark away', async () => {
    const store = emptyStore()
    await store.updateAny('m', () => ({ ...maria(['m1', 'm2']), semiSync: { enabled: false, timeoutMs: 10_000 }, replicationUser: 'replicadesk', fenced: [] }) as never)
    await applyOperationStart(store, { kind: 'mariadb-failover', clusterId: 'm', params: { from: 'm1', to: 'm2' } })
    expect((await store.getAny('m')).fenced).toEqual(['m1'])
    expect(await applyOperationOutcome(store, op('mariadb-rejoin', 'succeeded', { member: 'm1' }))).toBe(true)
    expect((await store.getAny('m')).fenced).toEqual([])
  })
})
