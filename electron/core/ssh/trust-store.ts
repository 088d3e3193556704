// Host keys the user confirmed in ReplicaDesk. Injected so the app can keep them in its
// store; a JSON-file implementation lives here for the CLI, tests and as a default.
import { randomBytes } from 'node:crypto'
import { mkdir, open, rename, unlink } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { z } from 'zod'
import { AppError } from '../../../shared/errors'
import { FileProblem, readBoundedText } from '../store/bounded-read'
import { storeAccessError } from '../store/fs-errors'

export const trustedKeySchema = z.object({
  keyType: z.string().regex(/^[A-Za-z0-9@._-]+$/),
  fingerprint: z.string().startsWith('SHA256:'),
  key: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/), // base64 of the SSH key blob
  addedAt: z.string(),
})
export type TrustedKey = z.infer<typeof trustedKeySchema>

/** hostKeyId is `host` for port 22 and `[host]:port` otherwise, as in known_hosts. */
export interface TrustStore {
  get(hostKeyId: string): Promise<TrustedKey | undefined>
  set(hostKeyId: string, key: TrustedKey): Promise<void>
}

const fileSchema = z.object({ version: z.literal(1), keys: z.record(z.string(), trustedKeySchema) })

/** Keys in `<dataDir>/trusted-host-keys.json`, 0600, replaced atomically on every change. */
export class JsonFileTrustStore implements TrustStore {
  readonly file: string
  private queue: Promise<unknown> = Promise.resolve()

  constructor(dataDir: string, fileName = 'trusted-host-keys.json') {
    this.file = join(dataDir, fileName)
  }

  async get(hostKeyId: string): Promise<TrustedKey | undefined> {
    await this.queue.catch(() => {})
    const keys = await this.readAll()
    return Object.hasOwn(keys, hostKeyId) ? keys[hostKeyId] : undefined
  }

  set(hostKeyId: string, key: TrustedKey): Promise<void> {
    const parsed = trustedKeySchema.parse(key)
    // Serialised: two confirmations at once must not lose one another.
    const run = this.queue.catch(() => {}).then(async () => {
      const keys = await this.readAll()
      keys[hostKeyId] = parsed
      await this.writeAll(keys)
    })
    this.queue = run
    return run
  }

  private async readAll(): Promise<Record<string, TrustedKey>> {
    let text: string | undefined
    try {
      text = await readBoundedText(this.file, { maxBytes: 16 * 1024 * 1024 })
    } catch (err) {
      if (!(err instanceof FileProblem)) throw err
      throw new AppError('store_unavailable', `ReplicaDesk's trusted host keys cannot be read: ${err.message}. Put the file back as it was (or remove it, then confirm the host keys again).`, { file: this.file, problem: err.kind })
    }
    if (text === undefined) return {}
    let parsed
    try {
      parsed = fileSchema.safeParse(JSON.parse(text))
    } catch {
      parsed = undefined
    }
    if (!parsed?.success) {
      // Refuse rather than reset: an empty store would turn every host into "unknown".
      throw new AppError('store_corrupt', `${this.file} is not a valid trusted-keys file; fix or remove it, then confirm the host keys again.`, { file: this.file })
    }
    return { ...parsed.data.keys }
  }

  private async writeAll(keys: Record<string, TrustedKey>): Promise<void> {
    const temp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
    try {
      await mkdir(dirname(this.file), { recursive: true, mode: 0o700 })
      const handle = await open(temp, 'wx', 0o600)
      try {
        await handle.writeFile(JSON.stringify({ version: 1, keys }, null, 2) + '\n')
        await handle.sync()
      } finally {
        await handle.close()
      }
      await rename(temp, this.file)
    } catch (err) {
      await unlink(temp).catch(() => {}) // may not exist: the failure came first
      throw storeAccessError(this.file, err, `Saving the trusted host key in ${this.file}`)
    }
  }
}

/** In-memory store, for tests and one-shot CLI runs. */
export class MemoryTrustStore implements TrustStore {
  private readonly keys = new Map<string, TrustedKey>()
  async get(id: string) {
    return this.keys.get(id)
  }
  async set(id: string, key: TrustedKey) {
    this.keys.set(id, trustedKeySchema.parse(key))
  }
}
