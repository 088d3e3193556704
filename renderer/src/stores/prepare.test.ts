import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import type { Host } from '../../../shared/hosts'
import type { PrepareReport } from '../../../shared/prepare'
import { useHostsStore } from './hosts'
import { useHostTestsStore } from './hostTests'
import { op } from '../operations/testing'
import { usePrepareStore } from './prepare'
import { fakeBridge, settle, type FakeBridge } from './testing/fakeBridge'

const record: Host = { id: 'id1', name: 'b1', address: '10.0.0.1', port: 22, user: 'pi', createdAt: 't', updatedAt: 't' }
const report = (over: Partial<PrepareReport> = {}): PrepareReport => ({ host: 'b1', login: 'pi', access: 'sudo', debian: true, installed: [], offered: ['15'], checks: [{ id: 'postgres', title: 'PostgreSQL installed', state: 'missing', detail: 'none' }], ready: false, memberMissing: ['PostgreSQL installed'], ...over })
const plan = { kind: 'install-postgres', clusterId: 'host.b1', title: 'Install PostgreSQL 15 on b1', summary: ['x'], members: ['b1'], steps: [] }
const operation = op({ name: 'install', kind: 'install-postgres', clusterId: 'host.b1', members: ['b1'] })

describe('usePrepareStore', () => {
  let bridge: FakeBridge

  beforeEach(async () => {
    bridge = fakeBridge()
    setActivePinia(createPinia())
    useHostsStore()
    bridge.connect()
    await settle()
    bridge.answer('host.list', { ok: true, value: [record] })
    for (const m of ['operation.list', 'host.connections']) if (bridge.pending(m).length) bridge.answer(m, { ok: true, value: [] })
    await settle()
  })

  it('caches the checks per host, one run at a time, and takes those of a connection test too', async () => {
    const prepare = usePrepareStore()
    expect(prepare.reportOf('b1')).toBeUndefined()
    const tests = useHostTestsStore()
    const tested = tests.test('b1')
    bridge.answer('host.test', { ok: true, value: { name: 'b1', os: null, postgresVersions: [], roundTripMs: 1, shell: '/bin/sh', hostKey: { fingerprint: 'SHA256:x', keyType: 'ssh-ed25519' }, prepare: report() } })
    await tested
    expect(prepare.reportOf('b1')?.memberMissing).toEqual(['PostgreSQL installed'])

    const running = prepare.check('b1')
    expect(await prepare.check('b1')).toBeNull()
    expect(bridge.pending('host.prepare')).toHaveLength(1)
    bridge.answer('host.prepare', { ok: true, value: report({ installed: ['15'], memberMissing: [], ready: true }) })
    await running
    expect(prepare.reportOf('b1')?.installed).toEqual(['15'])
    prepare.ensure(['b1'])
    expect(bridge.pending('host.prepare')).toHaveLength(0)
  })

  it('keeps the error of checks that could not run, and asks for plans and starts with the right flags', async () => {
    const prepare = usePrepareStore()
    const failed = prepare.check('b1')
    bridge.answer('host.prepare', { ok: false, error: { code: 'ssh_connect', message: 'b1 is unreachable' } })
    await failed
    expect(prepare.errorOf('b1')?.message).toBe('b1 is unreachable')

    const planned = prepare.plan('b1', 'sudoRule')
    expect(bridge.pending('host.prepare')[0]!.input).toEqual({ name: 'b1', sudoRule: true, dryRun: true })
    bridge.answer('host.prepare', { ok: true, value: { dryRun: true, plan } })
    expect((await planned).title).toBe(plan.title)

    const started = prepare.start('b1', 'install')
    expect(bridge.pending('host.prepare')[0]!.input).toEqual({ name: 'b1', install: true, yes: true })
    bridge.answer('host.prepare', { ok: true, value: { dryRun: false, operation } })
    expect((await started).id).toBe(operation.id)
  })
})
