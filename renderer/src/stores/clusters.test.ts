import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { pgCluster, type PgCluster } from '../../../shared/postgres'
import { names, op } from '../operations/testing'
import { useClustersStore } from './clusters'
import { useOperationsStore } from './operations'
import { fakeBridge, settle, type FakeBridge } from './testing/fakeBridge'

// Parsed: the schema's defaults fill in the settings this test does not care about.
const cluster = (id: string): PgCluster =>
  pgCluster.parse({
    id,
    major: '15',
    replicationRole: 'replicadesk',
    sync: { method: 'ANY', num: 1 },
    walKeepSize: '1GB',
    maxWalSenders: 10,
    maxReplicationSlots: 10,
    members: [
      { name: 'db1', host: 'host1', address: '10.0.0.1', port: 5432, dataDir: '/d', layout: 'plain', debianName: 'main', access: 'postgres', sync: false, priority: 100, neverPromote: false, socketDir: '/var/run/postgresql' },
    ],
    fenced: [],
  })

describe('useClustersStore', () => {
  let bridge: FakeBridge

  beforeEach(() => {
    bridge = fakeBridge()
    setActivePinia(createPinia())
  })

  async function started() {
    const store = useClustersStore()
    bridge.connect()
    await settle()
    bridge.answer('operation.list', { ok: true, value: [] })
    return store
  }

  it('loads the records, sorted, and a load that started before clustersChanged does not undo it', async () => {
    const store = await started()
    bridge.emit('clustersChanged', { clusters: [cluster('b'), cluster('a')] })
    bridge.answer('cluster.list', { ok: true, value: [cluster('old')] })
    await settle()
    expect(store.sorted.map((c) => c.id)).toEqual(['a', 'b'])
    expect(store.named('b')?.members[0]?.name).toBe('db1')
  })

  it('detects a host; only the latest answer per host counts', async () => {
    const store = await started()
    const first = store.detect('host1')
    const second = store.detect('host1')
    expect(store.detections.get('host1')?.loading).toBe(true)
    const [a, b] = bridge.pending('cluster.detect')
    b!.reply({ ok: true, value: { host: 'host1', loginUser: 'postgres', addresses: [], versions: [{ major: '15', version: '15.18', binDir: '/b' }], instances: [] } })
    await second
    a!.reply({ ok: false, error: { code: 'ssh_connect', message: 'late failure' } })
    expect(await first).toBeNull()
    expect(store.detections.get('host1')).toMatchObject({ loading: false, result: { versions: [{ major: '15' }] } })
    expect(store.detections.get('host1')?.error).toBeUndefined()
  })

  it('asks MariaDB with engine mariadb and keeps its answer apart from PostgreSQL\'s', async () => {
    const store = await started()
    const maria = store.detectMaria('host1')
    const pg = store.detect('host1')
    const [m, p] = bridge.pending('cluster.detect')
    expect(m!.input).toEqual({ host: 'host1', engine: 'mariadb' })
    expect(p!.input).toEqual({ host: 'host1', engine: 'postgres' })
    p!.reply({ ok: false, error: { code: 'ssh_connect', message: 'no answer' } })
    m!.reply({ ok: true, value: { host: 'host1', loginUser: 'admin', addresses: [], versions: [], instances: [], debian: { conf: true, unit: true, datadir: 'empty' } } })
    expect(await maria).toMatchObject({ debian: { unit: true } })
    expect(await pg).toBeNull()
    expect(store.mariaDetections.get('host1')).toMatchObject({ loading: false, result: { loginUser: 'admin' } })
    expect(store.detections.get('host1')?.error?.message).toBe('no answer')
  })

  it('an answer to a MariaDB detect that is not MariaDB\'s shape is an error, not a half-empty detection', async () => {
    const store = await started()
    const maria = store.detectMaria('host2')
    bridge.answer('cluster.detect', { ok: true, value: { host: 'host2', loginUser: 'admin', addresses: [], versions: [], instances: [] } })
    expect(await maria).toBeNull()
    expect(store.mariaDetections.get('host2')?.error?.message).toMatch(/not a MariaDB detection \(debian:/)
  })

  it('puts a started operation in the operations store at once; a dry run only returns the plan', async () => {
    const store = await started()
    const operations = useOperationsStore()
    const plan = { kind: 'pg-add-replica', clusterId: 'a', title: 'Add', summary: ['db2 on host2 becomes a new replica.'], members: ['host1'], steps: [] }
    const dry = store.addReplica({ cluster: 'a', name: 'db2', host: 'host2', pgdata: '/d', dryRun: true })
    await settle()
    bridge.answer('replica.add', { ok: true, value: { dryRun: true, plan } })
    expect(await dry).toEqual({ dryRun: true, plan })
    expect(operations.operations).toEqual([])

    const real = store.addReplica({ cluster: 'a', name: 'db2', host: 'host2', pgdata: '/d' })
    await settle()
    bridge.answer('replica.add', { ok: true, value: { dryRun: false, operation: op({ name: 'op1', clusterId: 'a', status: 'planned' }) } })
    await real
    expect(names(operations.operations)).toEqual(['op1'])
  })

  it('role changes: the dry run returns the plan with its assessment, the confirmed call starts the operation', async () => {
    const store = await started()
    const operations = useOperationsStore()
    const assessment = { from: 'db1', to: 'db2', loss: { kind: 'none' as const, text: 'clean stop' }, candidates: [], warnings: [] }
    const plan = { kind: 'pg-switchover', clusterId: 'a', title: 'Switchover', summary: ['db2 becomes the primary.'], members: ['db1', 'db2'], steps: [], assessment }
    const dry = store.switchover({ cluster: 'a', dryRun: true })
    await settle()
    expect(bridge.pending('cluster.switchover')[0]?.input).toEqual({ cluster: 'a', dryRun: true })
    bridge.answer('cluster.switchover', { ok: true, value: { dryRun: true, plan } })
    expect(await dry).toEqual({ dryRun: true, plan })

    for (const [method, call] of [
      ['cluster.switchover', () => store.switchover({ cluster: 'a', to: 'db2', yes: true })],
      ['cluster.failover', () => store.failover({ cluster: 'a', yes: true })],
      ['cluster.rejoin', () => store.rejoin({ cluster: 'a', member: 'db1', rebuild: true, yes: true })],
      ['cluster.fence', () => store.fence({ cluster: 'a', member: 'db1', yes: true })],
    ] as const) {
      const running = call()
      await settle()
      bridge.answer(method, { ok: true, value: { dryRun: false, operation: op({ name: method.slice(8, 12), clusterId: 'a', status: 'planned' }) } })
      await running
    }
    expect(names(operations.operations).sort()).toEqual(['fail', 'fenc', 'rejo', 'swit'])

    const refused = store.failover({ cluster: 'a' })
    await settle()
    bridge.answer('cluster.failover', { ok: false, error: { code: 'confirmation_required', message: 'Confirm the plan first.' } })
    await expect(refused).rejects.toMatchObject({ code: 'confirmation_required' })
  })

  it('passes the core’s refusal on to the caller', async () => {
    const store = await started()
    const creating = store.create({ cluster: 'a', member: 'db1', host: 'host1', pgdata: '/d' })
    await settle()
    bridge.answer('cluster.create', { ok: false, error: { code: 'conflict', message: 'A cluster named "a" exists already.', detail: { field: 'cluster' } } })
    await expect(creating).rejects.toMatchObject({ code: 'conflict' })
  })
})
