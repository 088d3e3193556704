import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { SecretRequestView } from '../../../shared/secrets'
import type { SecretRequest } from '../ssh'
import type { SecretCipher } from './cipher'
import { RememberedSecrets } from './remembered-secrets'
import { createSecretBroker } from './secret-broker'

// A stand-in for the OS keychain: reversible, and visibly not the plain text.
const fakeKeychain: SecretCipher = {
  available: () => ({ ok: true }),
  encrypt: (s) => Buffer.from(Buffer.from(s, 'utf8').map((b) => b ^ 0x5a)),
  decrypt: (b) => Buffer.from(b.map((x) => x ^ 0x5a)).toString('utf8'),
}
const request = (retry = false): SecretRequest => ({ kind: 'passphrase', host: '10.0.0.5', port: 22, user: 'pi', keyFile: '/k/id', retry, message: 'Passphrase for /k/id' })

function broker(cipher?: SecretCipher, timeoutMs?: number) {
  return mkdtemp(join(tmpdir(), 'rd-secrets-')).then((dir) => {
    const asked: SecretRequestView[] = []
    const settled: string[] = []
    const remembered = new RememberedSecrets(dir, cipher)
    const b = createSecretBroker({ remembered, emit: (v) => asked.push(v), emitDone: (id) => settled.push(id), timeoutMs })
    return { dir, b, asked, settled, remembered }
  })
}

describe('secret broker', () => {
  it('asks through an event and resolves with the answer', async () => {
    const { b, asked, settled } = await broker()
    const answer = b.prompt(request())
    await expect.poll(() => asked.length).toBe(1)
    expect(asked[0]).toMatchObject({ kind: 'passphrase', host: '10.0.0.5', canRemember: false })
    expect(asked[0]).not.toHaveProperty('value')
    expect(b.pending().map((p) => p.id)).toEqual([asked[0]!.id])
    await b.answer(asked[0]!.id, 'hunter2', false)
    expect(await answer).toBe('hunter2')
    expect(settled).toEqual([asked[0]!.id])
    await expect(b.answer(asked[0]!.id, 'again', false)).rejects.toMatchObject({ code: 'not_found' })
  })

  it('treats a cancel and a timeout as no answer', async () => {
    const { b, asked } = await broker()
    const cancelled = b.prompt(request())
    await expect.poll(() => asked.length).toBe(1)
    await b.answer(asked[0]!.id, null, false)
    expect(await cancelled).toBeUndefined()
    const impatient = await broker(undefined, 50)
    expect(await impatient.b.prompt(request())).toBeUndefined() // nobody answers within 50 ms
    expect(impatient.settled).toEqual([impatient.asked[0]!.id])
  })

  it('refuses to remember without an OS keychain', async () => {
    const { b, asked } = await broker()
    void b.prompt(request())
    await expect.poll(() => asked.length).toBe(1)
    await expect(b.answer(asked[0]!.id, 'pw', true)).rejects.toMatchObject({ code: 'secrets_unavailable' })
  })

  it('remembers through the keychain (ciphertext only on disk), and forgets a wrong one on retry', async () => {
    const { b, asked, dir } = await broker(fakeKeychain)
    const first = b.prompt(request())
    await expect.poll(() => asked.length).toBe(1)
    expect(asked[0]!.canRemember).toBe(true)
    await b.answer(asked[0]!.id, 'correct horse', true)
    expect(await first).toBe('correct horse')
    expect(await readFile(join(dir, 'secrets.json'), 'utf8')).not.toContain('correct horse')
    expect(await b.prompt(request())).toBe('correct horse') // no question asked
    expect(asked).toHaveLength(1)
    void b.prompt(request(true)) // the remembered one was wrong
    await expect.poll(() => asked.length).toBe(2)
    expect(asked[1]!.retry).toBe(true)
    expect(await new RememberedSecrets(dir, fakeKeychain).get('passphrase:pi@10.0.0.5:22:/k/id')).toBeUndefined()
  })
})
