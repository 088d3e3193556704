import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { JsonFileTrustStore, type TrustedKey } from './trust-store'

const key = (n: number): TrustedKey => ({ keyType: 'ssh-ed25519', fingerprint: `SHA256:${'A'.repeat(42)}${n}`, key: Buffer.from(`key${n}`).toString('base64'), addedAt: '2026-01-01T00:00:00.000Z' })

describe('JsonFileTrustStore', () => {
  it('stores keys in a 0600 file, atomically, without losing concurrent writes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rd-ts-'))
    const store = new JsonFileTrustStore(dir)
    expect(await store.get('h1')).toBeUndefined()
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.set(`[h${i}]:22${i}`, key(i))))
    for (let i = 0; i < 20; i++) expect(await store.get(`[h${i}]:22${i}`)).toEqual(key(i))
    expect(statSync(store.file).mode & 0o777).toBe(0o600)
    expect(readdirSync(dir)).toEqual(['trusted-host-keys.json']) // no temp files left
    // a second instance reads what the first wrote
    expect(await new JsonFileTrustStore(dir).get('[h3]:223')).toEqual(key(3))
    expect(await store.get('__proto__')).toBeUndefined()
  })

  it('refuses a corrupt file rather than treating every host as new', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rd-ts-'))
    const store = new JsonFileTrustStore(dir)
    writeFileSync(store.file, '{"version":1,"keys":{"h":{"nope":1}}}')
    await expect(store.get('h')).rejects.toMatchObject({ code: 'store_corrupt' })
    await expect(store.set('h', key(1))).rejects.toMatchObject({ code: 'store_corrupt' })
    expect(readFileSync(store.file, 'utf8')).toContain('nope') // untouched
  })
})
