// A cross-process lock on the data dir: an atomic mkdir that only one process can win.
// Read-modify-write of a store file happens under it, so two processes never lose an update.
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { AppError } from '../../../shared/errors'

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
    const owner = JSON.parse(await readFile(join(dir, 'owner.json'), 'utf8')) as { pid?: number; at?: number }
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
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
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
    await writeFile(join(dir, 'owner.json'), JSON.stringify({ pid: process.pid, at: Date.now() }))
    return await fn()
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
