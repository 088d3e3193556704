// Passwords and passphrases the user asked ReplicaDesk to remember, encrypted by the OS
// keychain (never in plain text: without a cipher nothing is remembered). secrets.json holds
// only ciphertext, keyed by what the secret unlocks.
import { join } from 'node:path'
import { z } from 'zod'
import { readDocument, writeDocument, type JsonDocument } from '../store/json-file'
import { withLock } from '../store/lock'
import type { SecretCipher } from './cipher'

const doc = (dataDir: string): JsonDocument<Record<string, string>> => ({
  file: join(dataDir, 'secrets.json'),
  version: 1,
  schema: z.record(z.string(), z.string()),
  empty: () => ({}),
})

export class RememberedSecrets {
  constructor(
    private readonly dataDir: string,
    private readonly cipher: SecretCipher | undefined,
  ) {}

  /** Why secrets cannot be remembered here, or undefined when they can. */
  unavailable(): string | undefined {
    if (!this.cipher) return 'This ReplicaDesk has no OS keychain (headless or CLI): it asks each time.'
    const state = this.cipher.available()
    return state.ok ? undefined : state.reason
  }

  async get(key: string): Promise<string | undefined> {
    if (this.unavailable()) return undefined
    const sealed = (await readDocument(doc(this.dataDir)))[key]
    if (!sealed) return undefined
    try {
      return this.cipher!.decrypt(Buffer.from(sealed, 'base64'))
    } catch {
      return undefined // the keychain changed (another OS user, a new machine): ask again
    }
  }

  async set(key: string, secret: string): Promise<void> {
    const why = this.unavailable()
    if (why) throw new Error(why)
    const sealed = this.cipher!.encrypt(secret).toString('base64')
    await this.update((all) => ({ ...all, [key]: sealed }))
  }

  async forget(key: string): Promise<void> {
    await this.update(({ [key]: _gone, ...rest }) => rest)
  }

  private update(change: (all: Record<string, string>) => Record<string, string>): Promise<void> {
    return withLock(this.dataDir, 'secrets', async () => {
      const d = doc(this.dataDir)
      await writeDocument(d, change(await readDocument(d)))
    })
  }
}
