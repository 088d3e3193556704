// The data dir's write lock: one holder at a time, and a holder killed at any moment — even
// while taking the lock — never blocks the next process for longer than a retry.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { withLock } from './lock'

const dirs: string[] = []
const dataDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'rd-lock-'))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('withLock', () => {
  it('serialises holders: a read-modify-write never loses an update', async () => {
    const d = dataDir()
    let value = 0
    await Promise.all(
      Array.from({ length: 20 }, () =>
        withLock(d, 'counter', async () => {
          const seen = value
          await new Promise((r) => setTimeout(r, 1))
          value = seen + 1
        }),
      ),
    )
    expect(value).toBe(20)
    expect(readdirSync(d)).toEqual([])
  })

  it('takes over at once from a holder killed with the lock held, and leaves no draft behind', async () => {
    const d = dataDir()
    // A process that takes the lock and is killed (SIGKILL) inside it.
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', `import('${join(__dirname, 'lock.ts').replace(/\\/g, '/')}').then(({ withLock }) => withLock(${JSON.stringify(d)}, 'held', async () => { process.stdout.write('in'); await new Promise(() => {}) }))`], { stdio: ['ignore', 'pipe', 'inherit'] })
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()))
    child.kill('SIGKILL')
    await new Promise((r) => child.once('exit', r))
    expect(readdirSync(d)).toEqual(['held.lock'])
    const t0 = Date.now()
    await withLock(d, 'held', async () => undefined, { waitMs: 5000 })
    expect(Date.now() - t0).toBeLessThan(1000)
    expect(readdirSync(d)).toEqual([])
  })

  it('an empty lock dir (a crash between mkdir and owner.json, as older versions took it) does not block', async () => {
    const d = dataDir()
    mkdirSync(join(d, 'old.lock'))
    const t0 = Date.now()
    await withLock(d, 'old', async () => undefined, { waitMs: 5000 })
    expect(Date.now() - t0).toBeLessThan(1000)
  })

  it('waits for a live holder and says which lock when it gives up', async () => {
    const d = dataDir()
    mkdirSync(join(d, 'busy.lock'))
    writeFileSync(join(d, 'busy.lock', 'owner.json'), JSON.stringify({ pid: process.pid, at: Date.now() }))
    await expect(withLock(d, 'busy', async () => undefined, { waitMs: 200 })).rejects.toMatchObject({ code: 'store_locked', message: expect.stringContaining('busy.lock') })
  })
})
