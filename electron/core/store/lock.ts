// A cross-process lock on the data dir: a directory only one process can create. It is made
// whole elsewhere (with its owner.json inside) and renamed into place, so a process killed
// while taking it never leaves a lock without an owner (which only age could break).
// Read-modify-write of a store file happens under it, so two processes never lose an update.
// Only writers take it: reading a store file needs no lock (files are replaced atomically),
// so a read-only data dir can still be read.
import { randomBytes } from 'node:crypto'
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises'
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

/**
 * One attempt: the lock dir with its owner inside, renamed into place. False when another
 * holds it (rename refuses a non-empty target; an empty one, left by an older crash, is replaced).
 */
async function tryTake(dataDir: string, dir: string, what: string): Promise<boolean> {
  const draft = `${dir}.${process.pid}.${randomBytes(4).toString('hex')}`
  try {
    await mkdir(draft)
    await writeFile(join(draft, 'owner.json'), JSON.stringify({ ...currentProcess(), at: Date.now() }))
    await rename(draft, dir)
    return true
  } catch (err) {
    await rm(draft, { recursive: true, force: true }).catch(() => undefined)
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOTEMPTY' || code === 'EEXIST') return false
    // A read-only or missing data dir: say so (reading needs no lock and still works).
    throw storeAccessError(dataDir, err, what)
  }
}

export async function withLock<T>(dataDir: string, name: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const dir = join(dataDir, `${name}.lock`)
  const deadline = Date.now() + (opts.waitMs ?? 10_000)
  let delay = 2
  while (!(await tryTake(dataDir, dir, `Changing ${name} in ${dataDir} (taking its write lock)`))) {
    if (await isStale(dir, opts.staleMs ?? 30_000)) {
      await drop(dir)
      continue
    }
    if (Date.now() > deadline) {
      throw new AppError('store_locked', `Another ReplicaDesk process holds the lock ${dir}. Close it, or remove the folder if no ReplicaDesk is running.`)
    }
    await sleep(delay + Math.random() * delay)
    delay = Math.min(delay * 2, 50)
  }
  try {
    return await fn()
  } finally {
    await drop(dir)
  }
}

/** Removes a lock: renamed away first (atomic), so the path is free at once and never half-emptied under a new holder. */
async function drop(dir: string): Promise<void> {
  const gone = `${dir}.${process.pid}.${randomBytes(4).toString('hex')}.gone`
  try {
    await rename(dir, gone)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
    throw err
  }
  await rm(gone, { recursive: true, force: true })
}
