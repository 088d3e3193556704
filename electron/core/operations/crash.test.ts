// Kill the app (a child process running the fake operation) at every point of every step,
// then recover in this process: resume must complete it, abandon must leave nothing behind.
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { AppError } from '../../../shared/errors'
import { FAULT_ENV } from './fault'
import { ClusterLease } from './lease'
import type { FakeParams } from '../../../e2e/support/operations/fake-operation'
import { makeWorld, runChild, type World } from '../../../e2e/support/operations/setup'

const steps = ['prepare', 'copy', 'configure', 'start'] as const
const points = ['before', 'during', 'after'] as const
const cases = steps.flatMap((step, index) => points.map((when) => ({ step, index, when })))

/** Runs the operation in a child that SIGKILLs itself at `when:step`; returns the crashed world. */
async function crashAt(when: string, step: string, over: Partial<FakeParams> = {}): Promise<{ w: World; id: string; childPid: number }> {
  const w = await makeWorld(over)
  const child = await runChild(['run', w.dataDir, w.hosts.root, JSON.stringify(w.params)], { [FAULT_ENV]: `${when}:${step}` })
  expect(child.signal, child.stderr).toBe('SIGKILL')
  const [op] = await w.ops.listOperations() // listing finds it interrupted
  expect(op).toBeDefined()
  const childPid = (await w.calls())[0]!.pid
  expect(childPid).not.toBe(process.pid)
  return { w, id: op!.id, childPid }
}

describe.concurrent('crash at every step', { timeout: 60_000 }, () => {
  it.for(cases)('$when:$step, then resume: checks every step again and completes', async ({ step, index, when }) => {
    const { w, id, childPid } = await crashAt(when, step)
    const crashed = await w.ops.getOperation(id)
    expect(crashed.status).toBe('interrupted')
    expect(crashed.steps.map((s) => s.status)).toEqual(steps.map((_, i) => (i < index ? 'done' : i === index ? 'interrupted' : 'pending')))
    // The child held the lease; this instance takes it back for the same operation.
    const logBefore = (await w.calls()).length
    const resumed = await (await w.ops.resume(id)).finished
    expect(resumed.status).toBe('succeeded')
    const after = (await w.calls()).slice(logBefore)
    expect(after.every((c) => c.pid === process.pid)).toBe(true)
    expect(after.filter((c) => c.what.startsWith('check:')).map((c) => c.what)).toEqual(steps.map((s) => `check:${s}`))
    // What the servers showed decides, not the journal: a step whose action had finished
    // (crash "after") is found done; one crashed before or half-way runs again.
    const expected = steps.map((_, i) => (i < index ? 'skipped' : i === index ? (when === 'after' ? 'skipped' : 'done') : 'done'))
    expect(resumed.steps.map((s) => s.status)).toEqual(expected)
    expect(await w.replicaFile('data')).toEqual(w.seed)
    expect((await w.replicaFile('conninfo')).toString()).toBe('password=hunter2\n')
    const replica = await readdir(join(w.hosts.dirOf('db2'), 'replica'))
    expect(replica.sort()).toEqual(['conninfo', 'data', 'started'])
    for (const h of ['db1', 'db2', 'db3']) expect(await readdir(join(w.hosts.dirOf(h), 'leases'))).toEqual([])
    // The child got as far as the fault: "before" stops it ahead of the step's action.
    const childRuns = (await w.calls()).filter((c) => c.pid === childPid && c.what.startsWith('run:'))
    expect(childRuns.map((c) => c.what)).toEqual(steps.slice(0, when === 'before' ? index : index + 1).map((s) => `run:${s}`))
  })

  it.for(cases)('$when:$step, then abandon: undoes what it started in reverse, nothing half-made remains', async ({ step, index, when }) => {
    const { w, id } = await crashAt(when, step)
    const logBefore = (await w.calls()).length
    const abandoned = await (await w.ops.abandon(id)).finished
    expect(abandoned.status).toBe('abandoned')
    const undos = (await w.calls()).slice(logBefore).map((c) => c.what)
    expect(undos).toEqual(steps.slice(0, index + 1).reverse().map((s) => `undo:${s}`))
    expect(abandoned.steps.map((s) => s.status)).toEqual(steps.map((_, i) => (i <= index ? 'undone' : 'pending')))
    const left = (await readdir(w.hosts.dirOf('db2'))).filter((f) => f.startsWith('replica'))
    expect(left).toEqual([])
    for (const h of ['db1', 'db2', 'db3']) expect(await readdir(join(w.hosts.dirOf(h), 'leases'))).toEqual([])
    await expect(w.ops.resume(id)).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/is abandoned/) })
  })
})

describe('resume races', () => {
  it('two processes of one instance resuming the same operation: one runs it, the other is refused', async () => {
    const { w, id } = await crashAt('during', 'copy', { chunks: 20, delayMs: 20 })
    const [inChild, here] = await Promise.all([
      runChild(['resume', w.dataDir, w.hosts.root, id]),
      w.ops.resume(id).then(
        (s) => s.finished.then((op) => op.status),
        (err: AppError) => `refused ${err.code}`,
      ),
    ])
    expect([inChild.stdout.trim(), here].sort()).toEqual(['refused conflict', 'succeeded'])
    const final = await w.ops.getOperation(id)
    expect(final.status).toBe('succeeded')
    expect(await w.replicaFile('data')).toEqual(w.seed)
    for (const h of ['db1', 'db2', 'db3']) expect(await readdir(join(w.hosts.dirOf(h), 'leases'))).toEqual([])
  }, 60_000)

  it('a lease refused on resume leaves the journal entry as it was', async () => {
    const { w, id } = await crashAt('after', 'configure')
    const before = await w.ops.getOperation(id)
    for (const h of ['db1', 'db2', 'db3']) await w.hosts.setClock(h, 120) // the crashed run's lease ran out
    const other = await ClusterLease.acquire({ remote: w.hosts, clusterId: 'c1', members: ['db1', 'db2', 'db3'], instanceId: 'other', operationId: 'op-x', root: 'leases' })
    await expect(w.ops.resume(id)).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/"other"/) })
    const after = await w.ops.getOperation(id)
    expect({ ...after, updatedAt: '' }).toEqual({ ...before, updatedAt: '' })
    await other.release()
    expect((await (await w.ops.resume(id)).finished).status).toBe('succeeded')
  }, 60_000)
})
