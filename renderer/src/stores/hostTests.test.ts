import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import type { Host } from '../../../shared/hosts'
import { useHostsStore } from './hosts'
import { useHostTestsStore } from './hostTests'
import { fakeBridge, settle, type FakeBridge } from './testing/fakeBridge'

const fp = (c: string) => `SHA256:${c.repeat(43)}`
const record: Host = { id: 'id1', name: 'db1', address: '10.0.0.1', port: 22, user: 'pg', createdAt: 't', updatedAt: 't' }
const result = { name: 'db1', os: { id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' }, postgresVersions: ['15'], mariadbVersions: [], roundTripMs: 0.9, shell: '/bin/bash', hostKey: { fingerprint: fp('a'), keyType: 'ssh-ed25519' } }
const unknownKey = { ok: false as const, error: { code: 'ssh_host_key_unknown' as const, message: 'not seen', detail: { host: '10.0.0.1', port: 22, fingerprint: fp('a'), keyType: 'ssh-ed25519' } } }

describe('useHostTestsStore', () => {
  let bridge: FakeBridge

  beforeEach(async () => {
    bridge = fakeBridge()
    setActivePinia(createPinia())
    useHostsStore()
    bridge.connect()
    await settle()
    bridge.answer('host.list', { ok: true, value: [record] })
    await settle()
  })

  it('keeps the result of a test by record, until its connection fields change', async () => {
    const tests = useHostTestsStore()
    const running = tests.test('db1')
    expect(tests.testing.has('db1')).toBe(true)
    expect(await tests.test('db1')).toBeNull() // one test per host at a time
    bridge.answer('host.test', { ok: true, value: result })
    expect(await running).toEqual(result)
    expect(tests.testing.has('db1')).toBe(false)
    expect(tests.outcomeOf(record)?.result?.postgresVersions).toEqual(['15'])
    expect(tests.outcomeOf({ ...record, name: 'renamed' })?.result).toBeDefined()
    expect(tests.outcomeOf({ ...record, address: '10.0.0.9' })).toBeUndefined()
  })

  it('asks about an unknown key; trusting it calls host.trust with that fingerprint and tests again', async () => {
    const tests = useHostTestsStore()
    const first = tests.test('db1')
    bridge.answer('host.test', unknownKey)
    expect(await first).toBeNull()
    expect(tests.current).toMatchObject({ kind: 'unknown', name: 'db1', key: { fingerprint: fp('a') } })

    const trusting = tests.trust(tests.current as never)
    await settle()
    expect(bridge.pending('host.trust')[0]?.input).toEqual({ name: 'db1', fingerprint: fp('a') })
    bridge.answer('host.trust', { ok: true, value: { name: 'db1', fingerprint: fp('a'), keyType: 'ssh-ed25519', addedAt: 't' } })
    await settle()
    expect(tests.current).toBeNull()
    bridge.answer('host.test', { ok: true, value: result })
    await trusting
    expect(tests.outcomeOf(record)?.result).toBeDefined()
  })

  it('tests a host that is connected but was never tested, once, so the screen shows its system', async () => {
    const tests = useHostTestsStore()
    await settle()
    bridge.answer('host.connections', { ok: true, value: [{ name: 'db1', state: 'idle', since: '' }] })
    await settle()
    expect(bridge.pending('host.test')).toHaveLength(0) // not connected: nothing runs
    bridge.emit('hostConnection', { name: 'db1', state: 'connected', since: '2026-12-07T02:00:00.000Z' })
    await settle()
    expect(bridge.pending('host.test')).toHaveLength(1)
    bridge.answer('host.test', { ok: true, value: result })
    await settle()
    expect(tests.outcomeOf(record)?.result?.os?.prettyName).toBe('Debian GNU/Linux 12 (bookworm)')
    bridge.emit('hostConnection', { name: 'db1', state: 'connected', since: '2026-12-07T02:00:05.000Z' })
    await settle()
    expect(bridge.pending('host.test')).toHaveLength(0) // once
  })

  it('cancel trusts nothing', async () => {
    const tests = useHostTestsStore()
    const first = tests.test('db1')
    bridge.answer('host.test', unknownKey)
    await first
    tests.dismiss(tests.current!)
    expect(tests.current).toBeNull()
    expect(bridge.pending('host.trust')).toHaveLength(0)
  })

  it('turns the question into a refusal when the host presents another key at trust time', async () => {
    const tests = useHostTestsStore()
    const first = tests.test('db1')
    bridge.answer('host.test', unknownKey)
    await first
    const trusting = tests.trust(tests.current as never)
    await settle()
    bridge.answer('host.trust', { ok: false, error: { code: 'ssh_host_key_changed', message: 'now presents', detail: { host: '10.0.0.1', port: 22, fingerprint: fp('b'), keyType: 'ssh-ed25519', confirmed: fp('a') } } })
    await trusting
    expect(tests.current).toMatchObject({ kind: 'refused', presented: { fingerprint: fp('b') }, expected: [{ fingerprint: fp('a') }] })
    expect(bridge.pending('host.test')).toHaveLength(0)
  })

  it('shows a changed key as a refusal and keeps other errors as the outcome', async () => {
    const tests = useHostTestsStore()
    const changed = tests.test('db1')
    bridge.answer('host.test', { ok: false, error: { code: 'ssh_host_key_changed', message: 'CHANGED', detail: { host: '10.0.0.1', port: 22, fingerprint: fp('b'), keyType: 'ssh-ed25519', expected: [{ fingerprint: fp('c'), keyType: 'ssh-ed25519', source: '/kh:1' }] } } })
    await changed
    expect(tests.current).toMatchObject({ kind: 'refused', reason: 'changed' })
    tests.dismiss(tests.current!)

    const auth = tests.test('db1')
    bridge.answer('host.test', { ok: false, error: { code: 'ssh_auth', message: 'Tried: key /k (refused)' } })
    await auth
    expect(tests.current).toBeNull()
    expect(tests.outcomeOf(record)?.error?.code).toBe('ssh_auth')
  })
})
