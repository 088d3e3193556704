// Versioned JSON documents in the data dir: written atomically (temp file + rename), parsed
// with a schema when read back. A corrupt or too-new file is moved aside and reported, never
// silently reset.
import { randomBytes } from 'node:crypto'
import { mkdir, open, readFile, rename } from 'node:fs/promises'
import { dirname, basename } from 'node:path'
import type { z } from 'zod'
import { AppError } from '../../../shared/errors'

export interface JsonDocument<T> {
  file: string
  version: number
  schema: z.ZodType<T>
  empty: () => T
}

async function moveAside(file: string, why: string): Promise<string> {
  const aside = `${file}.${why}-${new Date().toISOString().replace(/[:.]/g, '-')}`
  await rename(file, aside)
  return aside
}

export async function readDocument<T>(doc: JsonDocument<T>): Promise<T> {
  let text: string
  try {
    text = await readFile(doc.file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return doc.empty()
    throw err
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    const aside = await moveAside(doc.file, 'corrupt')
    throw new AppError('store_corrupt', `${basename(doc.file)} is not valid JSON; it was moved to ${aside}. Restore it from there or a backup.`, { file: doc.file, aside })
  }
  const version = (raw as { version?: unknown } | null)?.version
  if (typeof version === 'number' && version > doc.version) {
    // Keep it in place: a newer ReplicaDesk wrote it and still understands it.
    throw new AppError('store_version', `${doc.file} was written by a newer ReplicaDesk (format ${version}, this one reads ${doc.version}). Update ReplicaDesk.`, { file: doc.file, version })
  }
  const parsed = doc.schema.safeParse((raw as { data?: unknown } | null)?.data)
  if (version !== doc.version || !parsed.success) {
    const aside = await moveAside(doc.file, 'corrupt')
    throw new AppError('store_corrupt', `${basename(doc.file)} does not have the expected content; it was moved to ${aside}. Restore it from there or a backup.`, { file: doc.file, aside, issues: parsed.success ? undefined : parsed.error.issues })
  }
  return parsed.data
}

export async function writeDocument<T>(doc: JsonDocument<T>, data: T): Promise<void> {
  await mkdir(dirname(doc.file), { recursive: true, mode: 0o700 })
  const temp = `${doc.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  const handle = await open(temp, 'w', 0o600)
  try {
    await handle.writeFile(JSON.stringify({ version: doc.version, data }, null, 2) + '\n')
    await handle.sync() // the rename must never publish a file whose bytes are not on disk
  } finally {
    await handle.close()
  }
  await rename(temp, doc.file)
}
