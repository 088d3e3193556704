// Waits with an end: a remote command whose process cannot be stopped (here frozen in a
// cgroup, as one stuck in the kernel on a dead disk or NFS mount would be) must not hold the
// caller past its time limit. sshd keeps such a channel open after the close, so the
// connection is dropped a few seconds later and the next command connects again. And an
// identity file that is a FIFO or /dev/zero fails the login at once instead of stalling it.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { AppError } from '../../../shared/errors'
import { CLOSE_GRACE_MS } from './exec'
import { labContext } from '../../../e2e/support/ssh/lab-fixtures'

const ctx = labContext()
afterAll(() => ctx.closeAll())

const FREEZER = '/sys/fs/cgroup/freezer'

/** Freezes pids in a cgroup-v1 freezer: they cannot run, and not even KILL ends them until thawed. */
function freeze(pids: number[]): () => void {
  const dir = join(FREEZER, `rd-exec-test-${process.pid}-${Date.now()}`)
  mkdirSync(dir)
  for (const pid of pids) writeFileSync(join(dir, 'cgroup.procs'), String(pid))
  writeFileSync(join(dir, 'freezer.state'), 'FROZEN')
  return () => {
    writeFileSync(join(dir, 'freezer.state'), 'THAWED')
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // gone already
      }
    }
    for (let i = 0; i < 50 && readFileSync(join(dir, 'cgroup.procs'), 'utf8').trim() !== ''; i++) execFileSync('sleep', ['0.1'])
    rmdirSync(dir)
  }
}

describe('a command that cannot be stopped', () => {
  it('returns within its limit plus a few seconds, drops the connection and reconnects on next use', async (tc) => {
    if (!existsSync(join(FREEZER, 'cgroup.procs'))) {
      // cgroup v2's freezer lets SIGKILL through, so it cannot stand in for an unkillable process.
      const message = `NOT RUN: no cgroup-v1 freezer at ${FREEZER} to make a process unkillable`
      if (process.env.CI === 'true') throw new Error(`${message}; CI must run every lab test`)
      console.log(message)
      return tc.skip()
    }
    const svc = ctx.service()
    const h = ctx.host('host1')
    const t = ctx.target(h)
    await svc.exec(t, ['true'])
    let thaw: (() => void) | undefined
    let pidsSeen!: (pids: number[]) => void
    const pids = new Promise<number[]>((resolve) => (pidsSeen = resolve))
    const timeoutMs = 1000
    const started = Date.now()
    // $PPID is the remote `timeout` wrapper, $$ the shell that becomes sleep: freeze both.
    const running = svc.exec(t, ['sh', '-c', 'echo $PPID $$; exec sleep 600'], {
      timeoutMs,
      onOutput: (stream, chunk) => stream === 'stdout' && pidsSeen(chunk.toString().trim().split(/\s+/).map(Number)),
    }).then(() => undefined, (e: unknown) => e)
    try {
      thaw = freeze(await pids)
      const limit = timeoutMs + 3500 + CLOSE_GRACE_MS + 2500
      const e = await Promise.race([running, new Promise((resolve) => setTimeout(() => resolve('still waiting'), limit))])
      const tookMs = Date.now() - started
      console.log(`unstoppable command returned after ${tookMs} ms: ${(e as Error).message}`)
      expect(e).toBeInstanceOf(AppError)
      expect((e as AppError).code).toBe('ssh_timeout')
      expect((e as AppError).message).toContain(h.address)
      expect((e as AppError).message).toMatch(/"sh" probably ignores signals or is stuck/)
      expect((e as AppError).message).toContain('dropped the connection')
      expect(tookMs).toBeLessThan(limit)
      // The pool connects again on next use.
      expect((await svc.exec(t, ['echo', 'back'])).stdout).toBe('back\n')
    } finally {
      thaw?.()
    }
  }, 30_000)
})

describe('an identity file that is not a key', () => {
  it('a FIFO or /dev/zero fails the login at once, naming the path and what it is', async () => {
    const fifo = join(ctx.dir, 'id_fifo')
    execFileSync('mkfifo', [fifo])
    for (const [file, what] of [[fifo, 'a named pipe (FIFO)'], ['/dev/zero', 'a character device']] as const) {
      const started = Date.now()
      const e = await ctx.service().exec(ctx.target('host1', undefined, { identityFile: file }), ['true']).then(() => undefined, (err: unknown) => err)
      expect(e).toBeInstanceOf(AppError)
      expect((e as AppError).code).toBe('ssh_auth')
      expect((e as AppError).message).toContain(`key ${file} is ${what}, not a regular file`)
      expect(Date.now() - started).toBeLessThan(3000)
    }
  })
})
