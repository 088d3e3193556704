import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import type { SecretRequestView } from '../../../shared/secrets'
import { useSecretsStore } from './secrets'
import { fakeBridge, settle, type FakeBridge } from './testing/fakeBridge'

const question = (id: string, over: Partial<SecretRequestView> = {}): SecretRequestView => ({
  id,
  kind: 'password',
  host: '10.0.0.1',
  port: 22,
  user: 'admin',
  retry: false,
  message: 'Password for admin@10.0.0.1',
  canRemember: false,
  rememberUnavailable: 'No OS keychain',
  ...over,
})

describe('useSecretsStore', () => {
  let bridge: FakeBridge

  beforeEach(() => {
    bridge = fakeBridge()
    setActivePinia(createPinia())
  })

  it('shows questions asked before the page connected (secret.pending), and what events said during that load', async () => {
    const store = useSecretsStore()
    bridge.connect()
    await settle()
    bridge.emit('secretRequested', question('live'))
    bridge.emit('secretSettled', { id: 'gone' })
    bridge.answer('secret.pending', { ok: true, value: [question('old'), question('gone')] })
    await settle()
    expect(store.questions.map((q) => q.id)).toEqual(['old', 'live'])
    expect(store.current?.id).toBe('old')

    bridge.emit('secretSettled', { id: 'old' }) // answered in another window
    expect(store.current?.id).toBe('live')
  })

  it('answers with the value, or null for Cancel (never remembering a cancel)', async () => {
    const store = useSecretsStore()
    bridge.connect()
    await settle()
    bridge.answer('secret.pending', { ok: true, value: [question('a', { canRemember: true }), question('b')] })
    await settle()

    const answering = store.answer('a', 'hunter2', true)
    expect(store.answering).toBe('a')
    await settle()
    expect(bridge.pending('secret.answer')[0]!.input).toEqual({ id: 'a', value: 'hunter2', remember: true })
    bridge.answer('secret.answer', { ok: true, value: { answered: 'a' } })
    expect(await answering).toBe(true)
    expect(store.current?.id).toBe('b')

    const cancelling = store.answer('b', null, true)
    await settle()
    expect(bridge.pending('secret.answer')[0]!.input).toEqual({ id: 'b', value: null, remember: false })
    bridge.answer('secret.answer', { ok: true, value: { answered: 'b' } })
    await cancelling
    expect(store.current).toBeNull()
  })

  it('keeps the question and says why when an answer is refused; drops one that is gone', async () => {
    const store = useSecretsStore()
    bridge.connect()
    await settle()
    bridge.answer('secret.pending', { ok: true, value: [question('a'), question('b')] })
    await settle()

    const refused = store.answer('a', 'pw', true)
    await settle()
    bridge.answer('secret.answer', { ok: false, error: { code: 'secrets_unavailable', message: 'No OS keychain here.' } })
    expect(await refused).toBe(false)
    expect(store.answerError?.code).toBe('secrets_unavailable')
    expect(store.current?.id).toBe('a')

    const late = store.answer('a', 'pw', false)
    await settle()
    bridge.answer('secret.answer', { ok: false, error: { code: 'not_found', message: 'That question was answered already.' } })
    expect(await late).toBe(true)
    expect(store.current?.id).toBe('b')
  })
})
