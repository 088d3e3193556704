// A cross-process lock on the data dir: an atomic mkdir that only one process can win.
// Read-modify-write of a store file happens under it, so two processes never lose an update.
// Only writers take it: reading a store file needs no lock (files are replaced atomically),
// so a read-only data dir can still be read.
import { mkdir, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { AppError } from '../../../shared/errors'
import { currentProcess, isAlive } from '../operations/process-identity'
import { readBoundedText } from './bounded-read'
import { storeAccessError } from './fs-errors'

export interface LockOptions {
  /** Give up after this long (the holder is alive and busy). */
  waitMs?: number
  /** A lock older than this whose holder is gone is taken over. */
  staleMs?: number
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function isStale(dir: string, staleMs: number): Promise<boolean> {
  try {
    const owner = JSON.parse((await readBoundedText(join(dir, 'owner.json'), { maxBytes: 4096 })) ?? 'null') as { pid?: number; startId?: string; at?: number }
    // A pid that now belongs to another process (reused) is as dead as a gone one.
    if (typeof owner.pid === 'number' && typeof owner.startId === 'string' && !isAlive({ pid: owner.pid, startId: owner.startId })) return true
    if (typeof owner.pid === 'number' && !processAlive(owner.pid)) return true
    return typeof owner.at === 'number' && Date.now() - owner.at > staleMs
  } catch {
    // mkdir won but owner.json is not written yet, or the holder crashed in between.
    const made = await stat(dir).then((s) => s.mtimeMs, () => Date.now())
    return Date.now() - made > staleMs
  }
}

export async function withLock<T>(dataDir: string, name: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const dir = join(dataDir, `${name}.lock`)
  const deadline = Date.now() + (opts.waitMs ?? 10_000)
  let delay = 2
  for (;;) {
    try {
      await mkdir(dir)
      break
    } catch (err) {
      // A read-only or missing data dir: say so (reading needs no lock and still works).
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw storeAccessError(dataDir, err, `Changing ${name} in ${dataDir} (taking its write lock)`)
      if (await isStale(dir, opts.staleMs ?? 30_000)) {
        await rm(dir, { recursive: true, force: true })
        continue
      }
      if (Date.now() > deadline) {
        throw new AppError(
          'store_locked',
          `Another ReplicaDesk process holds the lock ${dir}. Close it, or remove the folder if no ReplicaDesk is running.`,
        )
      }
      await sleep(delay + Math.random() * delay)
      delay = Math.min(delay * 2, 50)
    }
  }
  try {
    await writeFile(join(dir, 'owner.json'), JSON.stringify({ ...currentProcess(), at: Date.now() })).catch((err: unknown) => {
      throw storeAccessError(dataDir, err, `Changing ${name} in ${dataDir} (taking its write lock)`)
    })
    return await fn()
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
