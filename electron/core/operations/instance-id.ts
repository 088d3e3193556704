// The id this ReplicaDesk instance (one data dir) writes into cluster leases, so a lease
// tells the user which machine holds a cluster, and so this instance can take back its own
// lease when it resumes an operation after a crash.
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { access, mkdir } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { z } from 'zod'
import { isReadOnlyError, storeAccessError } from '../store/fs-errors'
import { readDocument, writeDocument, type JsonDocument } from '../store/json-file'
import { withLock } from '../store/lock'

const instanceFile = z.object({ id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/) })

function newInstanceId(): string {
  const host = hostname().replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 40)
  return `${host || 'replicadesk'}-${randomBytes(3).toString('hex')}`
}

// A read-only data dir can still be read; nothing can be journaled there, so no operation
// starts (journal.ts says why) and this id never reaches a lease.
const readOnlyId = () => `${newInstanceId()}-readonly`

export async function loadInstanceId(dataDir: string): Promise<string> {
  const dir = join(dataDir, 'operations')
  const doc: JsonDocument<z.infer<typeof instanceFile> | null> = {
    file: join(dir, 'instance.json'),
    version: 1,
    schema: instanceFile.nullable(),
    empty: () => null,
  }
  // Read without the lock first: a read-only data dir that has an id keeps it.
  const existing = await readDocument(doc)
  if (existing) return existing.id
  // (Checked first: Node's recursive mkdir says ENOENT, not EROFS, on a read-only file system.)
  if (isReadOnlyError(await access(dataDir, constants.W_OK).then(() => undefined, (e: unknown) => e))) return readOnlyId()
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 }).catch((err: unknown) => {
      throw storeAccessError(dir, err, `Creating ${dir}`)
    })
    return await withLock(dataDir, join('operations', 'instance'), async () => {
      const found = await readDocument(doc)
      if (found) return found.id
      const id = newInstanceId()
      await writeDocument(doc, { id })
      return id
    })
  } catch (err) {
    if (isReadOnlyError(err)) return readOnlyId()
    throw err
  }
}
