import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { AppError } from '../../../shared/errors'
import { operationPlan, operationSummary, type OperationProgress } from '../../../shared/operations'
import { Journal, type OperationRecord } from './journal'
import { ClusterLease } from './lease'
import { leaseScript } from './lease-script'
import { parseFault } from './fault'
import { createOperations } from './operations'
import { currentProcess } from './process-identity'
import { FAKE_SECRET, fakeReplica } from '../../../e2e/support/operations/fake-operation'
import { createLocalHosts } from '../../../e2e/support/operations/local-hosts'
import { makeWorld, type World } from '../../../e2e/support/operations/setup'

const leasesOn = (w: World, host: string) => readdir(join(w.hosts.dirOf(host), 'leases')).catch(() => [])

async function expectComplete(w: World) {
  expect(await w.replicaFile('data')).toEqual(w.seed)
  expect((await w.replicaFile('conninfo')).toString()).toBe(`${FAKE_SECRET}\n`)
  expect(existsSync(join(w.hosts.dirOf('db2'), 'replica', 'started'))).toBe(true)
  for (const h of ['db1', 'db2', 'db3']) expect(await leasesOn(w, h)).toEqual([])
}

// Every test starts many short processes (the fake hosts' commands): allow a loaded machine.
describe('running an operation', { timeout: 30_000 }, () => {
  it('journals every step before and after it runs, and ends succeeded with the lease released', async () => {
    const w = await makeWorld()
    const journal = new Journal(w.dataDir)
    // What the journal said while each step's action ran, read from inside the action.
    const seen: { step: string; status: string; pid?: number; touched: boolean }[] = []
    const def = w.def()
    const steps = def.steps.map((s) => ({
      ...s,
      run: async (ctx: Parameters<typeof s.run>[0], report: Parameters<typeof s.run>[1]) => {
        const rec = await journal.read(ctx.operationId)
        const mine = rec.steps.find((x) => x.id === s.id)!
        seen.push({ step: s.id, status: mine.status, pid: mine.pid, touched: mine.touched })
        expect(rec.status).toBe('running')
        return s.run(ctx, report)
      },
    }))
    const done = await w.ops.runOperation({ ...def, steps })
    expect(done.status).toBe('succeeded')
    expect(seen).toEqual(def.steps.map((s) => ({ step: s.id, status: 'running', pid: process.pid, touched: true })))
    expect(done.steps.map((s) => s.status)).toEqual(['done', 'done', 'done', 'done'])
    for (const s of done.steps) expect(Date.parse(s.endedAt!)).toBeGreaterThanOrEqual(Date.parse(s.startedAt!))
    expect(done.endedAt).toBeDefined()
    await expectComplete(w)
    // Each change went out as an event, in order: planned, then each step running and done.
    const changes = w.events.filter((e) => e.type === 'changed').map((e) => e.type === 'changed' && `${e.operation.status}:${e.operation.steps.map((s) => s.status[0]).join('')}`)
    expect(changes).toEqual(['planned:pppp', 'running:rppp', 'running:dppp', 'running:drpp', 'running:ddpp', 'running:ddrp', 'running:dddp', 'running:dddr', 'running:dddd', 'succeeded:dddd'])
    const file = JSON.parse(await readFile(join(w.dataDir, 'operations', `${done.id}.json`), 'utf8')) as { version: number; data: OperationRecord }
    expect(file.version).toBe(1)
    expect(file.data).toMatchObject({ status: 'succeeded', owner: { pid: process.pid, instanceId: w.instanceId }, progress: { percent: 100 } })
    expect(operationSummary.parse(await w.ops.getOperation(done.id))).toEqual(done)
  })

  it('reports progress: monotonic, reaching 100 %, with MB/s and ETA, at most every ~250 ms', async () => {
    const w = await makeWorld({ chunks: 12, chunkBytes: 64 * 1024, delayMs: 60 })
    const done = await w.ops.runOperation(w.def())
    const progress = w.events.flatMap((e) => (e.type === 'progress' ? [e.progress] : []))
    const percents = progress.map((p) => p.percent)
    expect(percents).toEqual([...percents].sort((a, b) => a - b))
    expect(percents.at(-1)).toBe(100)
    expect(done.progress?.percent).toBe(100)
    const copying = progress.filter((p): p is OperationProgress & { bytesDone: number } => p.stepId === 'copy' && p.bytesDone !== undefined && p.bytesDone < 12 * 64 * 1024)
    expect(copying.length).toBeGreaterThanOrEqual(2)
    for (const p of copying) {
      expect(p.bytesPerSecond).toBeGreaterThan(0)
      expect(p.etaSeconds).toBeGreaterThan(0)
      expect(p.bytesTotal).toBe(12 * 64 * 1024)
    }
    // Between two step boundaries, events are spaced by the interval (timer slack allowed).
    const times = copying.map((p) => Date.parse(p.at))
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(230)
    // Copy weighs 4 of 7: while it runs the bar moves between 1/7 and 5/7.
    for (const p of copying) {
      expect(p.percent).toBeGreaterThanOrEqual(14.2)
      expect(p.percent).toBeLessThanOrEqual(71.5)
    }
  })

  it('dry run returns the exact commands with secrets masked, and runs nothing', async () => {
    const w = await makeWorld()
    const plan = operationPlan.parse(await w.ops.runOperation(w.def(), { dryRun: true }))
    expect(plan.steps.map((s) => s.id)).toEqual(['prepare', 'copy', 'configure', 'start'])
    expect(plan.steps[1]!.commands[0]).toEqual({ host: 'db2', argv: ['dd', 'if=seed.bin', 'of=replica/data.partial', 'bs=4096', 'skip=0', 'seek=0', 'count=1', 'conv=notrunc', 'status=none'] })
    expect(plan.steps[2]!.commands[0]!.argv).toContain('***')
    expect(JSON.stringify(plan)).not.toContain('hunter2')
    expect(plan.steps.every((s) => s.undoable)).toBe(true)
    expect(w.hosts.calls).toEqual([])
    expect(await w.calls()).toEqual([])
    expect(await readdir(join(w.dataDir, 'operations'))).toEqual(['instance.json'])
    expect(w.events).toEqual([])
    expect(existsSync(join(w.hosts.dirOf('db2'), 'replica'))).toBe(false)
  })

  it('marks the operation failed with the error of the failing step, stops there, and resumes once fixed', async () => {
    const w = await makeWorld()
    await writeFile(join(w.hosts.dirOf('db2'), 'fail-configure'), '')
    const failed = await w.ops.runOperation(w.def())
    expect(failed.status).toBe('failed')
    expect(failed.error).toMatchObject({ code: 'command_failed', message: expect.stringMatching(/Write the connection settings failed on db2/) })
    expect(failed.steps.map((s) => s.status)).toEqual(['done', 'done', 'failed', 'pending'])
    expect(failed.steps[2]!.error).toEqual(failed.error)
    expect((await w.calls()).map((c) => c.what)).not.toContain('run:start')
    for (const h of ['db1', 'db2', 'db3']) expect(await leasesOn(w, h)).toEqual([])

    await rm(join(w.hosts.dirOf('db2'), 'fail-configure'))
    const before = (await w.calls()).length
    const resumed = await (await w.ops.resume(failed.id)).finished
    expect(resumed.status).toBe('succeeded')
    expect(resumed.steps.map((s) => s.status)).toEqual(['skipped', 'skipped', 'done', 'done'])
    expect((await w.calls()).slice(before).map((c) => c.what)).toEqual(['check:prepare', 'check:copy', 'check:configure', 'run:configure', 'check:start', 'run:start'])
    await expectComplete(w)
    await expect(w.ops.resume(failed.id)).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/is succeeded/) })
  })

  it('abandons a failed operation: undo of the steps it started, in reverse, nothing left behind', async () => {
    const w = await makeWorld()
    await writeFile(join(w.hosts.dirOf('db2'), 'fail-start'), '')
    const failed = await w.ops.runOperation(w.def())
    const before = (await w.calls()).length
    const abandoned = await (await w.ops.abandon(failed.id)).finished
    expect(abandoned.status).toBe('abandoned')
    expect((await w.calls()).slice(before).map((c) => c.what)).toEqual(['undo:start', 'undo:configure', 'undo:copy', 'undo:prepare'])
    expect(abandoned.steps.map((s) => s.status)).toEqual(['undone', 'undone', 'undone', 'undone'])
    expect(await readdir(w.hosts.dirOf('db2'))).not.toContain('replica')
    await expect(w.ops.abandon(failed.id)).rejects.toMatchObject({ code: 'conflict' })
  })

  it('never undoes what was there before it: steps found done are not its own', async () => {
    const w = await makeWorld()
    const first = await w.ops.runOperation(w.def())
    await rm(join(w.hosts.dirOf('db2'), 'replica', 'started'))
    await writeFile(join(w.hosts.dirOf('db2'), 'fail-start'), '')
    const second = await w.ops.runOperation(w.def())
    expect(second.steps.map((s) => s.status)).toEqual(['skipped', 'skipped', 'skipped', 'failed'])
    const abandoned = await (await w.ops.abandon(second.id)).finished
    expect(abandoned.steps.map((s) => s.status)).toEqual(['skipped', 'skipped', 'skipped', 'undone'])
    expect(await w.replicaFile('data')).toEqual(w.seed)
    expect((await w.ops.listOperations()).map((o) => o.id)).toEqual([second.id, first.id].sort().reverse())
  })

  it('refuses a second operation on the same cluster while one runs, naming it', async () => {
    const w = await makeWorld({ delayMs: 100 })
    const first = await w.ops.start(w.def())
    const err = (await w.ops.start(w.def()).catch((e: unknown) => e)) as AppError
    expect(err.code).toBe('conflict')
    expect(err.message).toContain(`this ReplicaDesk is running operation ${first.operation.id}`)
    expect((await first.finished).status).toBe('succeeded')
    expect((await w.ops.runOperation(w.def())).status).toBe('succeeded') // free again
    expect(await w.ops.listOperations()).toHaveLength(2)
  })

  it('stops when the cluster lease is lost, and says so', async () => {
    const w = await makeWorld({ chunks: 80, delayMs: 50 }, { lease: { root: 'leases', ttlSeconds: 30, renewEveryMs: 100 } })
    const started = await w.ops.start(w.def())
    await new Promise((r) => setTimeout(r, 300))
    // Our renewals stop reaching the members, their clocks run past the expiry, and another
    // instance (its own connections) takes the lease over. Then the members are reachable again.
    w.hosts.refuse = (_host, argv) => argv.includes(leaseScript)
    await new Promise((r) => setTimeout(r, 200))
    for (const h of ['db1', 'db2', 'db3']) await w.hosts.setClock(h, 120)
    const otherView = await createLocalHosts(w.hosts.root, ['db1', 'db2', 'db3'])
    const thief = await ClusterLease.acquire({ remote: otherView, clusterId: 'c1', members: ['db1', 'db2', 'db3'], instanceId: 'thief', operationId: 'op-thief', root: 'leases' })
    expect(thief.heldOn).toHaveLength(3)
    w.hosts.refuse = undefined
    const result = await started.finished
    expect(result.status).toBe('failed')
    expect(result.error).toMatchObject({ code: 'conflict', message: expect.stringMatching(/Lost the lease on cluster c1/) })
    // Copy (80 chunks, 4 s or more) failed: it stopped at a chunk, it did not run to its end.
    expect(result.steps.map((s) => s.status)).toEqual(['done', 'failed', 'pending', 'pending'])
    expect(result.steps[1]!.error).toEqual(result.error)
    // The thief's lease is left alone.
    expect((await readFile(join(w.hosts.dirOf('db1'), 'leases', 'c1', 'owner'), 'utf8')).startsWith('thief')).toBe(true)
  })
})

describe('abandon, resume and definitions: the edges', { timeout: 30_000 }, () => {
  it('stops an abandon at a failing undo, keeps the order, and finishes it on a second abandon', async () => {
    const w = await makeWorld()
    await writeFile(join(w.hosts.dirOf('db2'), 'fail-start'), '')
    await writeFile(join(w.hosts.dirOf('db2'), 'fail-undo-copy'), '')
    const failed = await w.ops.runOperation(w.def())
    const stopped = await (await w.ops.abandon(failed.id)).finished
    expect(stopped.status).toBe('failed')
    expect(stopped.error?.message).toMatch(/Abandon stopped: undoing "Copy the data" failed/)
    expect(stopped.steps.map((s) => s.status)).toEqual(['done', 'undo_failed', 'undone', 'undone'])
    expect(await w.replicaFile('data')).toEqual(w.seed) // prepare was not undone under it
    await rm(join(w.hosts.dirOf('db2'), 'fail-undo-copy'))
    const before = (await w.calls()).length
    const abandoned = await (await w.ops.abandon(failed.id)).finished
    expect(abandoned.status).toBe('abandoned')
    expect((await w.calls()).slice(before).map((c) => c.what)).toEqual(['undo:copy', 'undo:prepare'])
    expect(await readdir(w.hosts.dirOf('db2'))).not.toContain('replica')
  })

  it('refuses to resume when this version has other steps for that kind', async () => {
    const w = await makeWorld()
    await writeFile(join(w.hosts.dirOf('db2'), 'fail-copy'), '')
    const failed = await w.ops.runOperation(w.def())
    const changed = createOperations({
      dataDir: w.dataDir,
      instanceId: w.instanceId,
      remote: w.hosts,
      emit: () => undefined,
      fault: null,
      lease: { root: 'leases' },
      kinds: { 'fake-replica': (saved) => ({ ...fakeReplica.factory(saved), steps: [...w.def().steps].reverse() }) as ReturnType<typeof w.def> },
    })
    await expect(changed.resume(failed.id)).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/other steps \(prepare,copy,configure,start; now start,configure,copy,prepare\)/) })
    expect((await w.ops.getOperation(failed.id)).status).toBe('failed') // untouched
  })

  it('checks definitions, params and fault points before anything runs', async () => {
    const w = await makeWorld()
    const def = w.def()
    await expect(w.ops.runOperation({ ...def, steps: [def.steps[0]!, def.steps[0]!] })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/two steps named "prepare"/) })
    await expect(w.ops.runOperation({ ...def, kind: 'not-registered' })).rejects.toMatchObject({ code: 'internal', message: expect.stringMatching(/not registered/) })
    expect(() => fakeReplica.create({ clusterId: 'c1', params: { ...w.params, chunks: 0 }, members: ['db1'] })).toThrow(/Invalid params for fake-replica: chunks/)
    expect(parseFault('during:copy')).toEqual({ when: 'during', stepId: 'copy' })
    expect(() => parseFault('sometime:copy')).toThrow(/REPLICADESK_FAULT/)
    expect(w.hosts.calls).toEqual([])
    expect(await w.ops.listOperations()).toEqual([])
  })
})

describe('finding interrupted operations', { timeout: 30_000 }, () => {
  async function journaled(w: World, owner: { pid: number; startId: string }, status: OperationRecord['status'] = 'running') {
    const at = new Date().toISOString()
    const id = `20250101-000000-fake-replica-${Math.random().toString(16).slice(2, 8)}`
    const def = w.def()
    await new Journal(w.dataDir).create({
      id, kind: def.kind, clusterId: 'c1', title: def.title, status, params: def.params, members: [...def.members],
      steps: def.steps.map((s, i) => ({ id: s.id, title: s.title, hosts: [...s.hosts], status: i === 0 ? 'running' : 'pending', touched: i === 0 })),
      owner: { instanceId: w.instanceId, hostname: 'h', ...owner }, attempts: 1, createdAt: at, updatedAt: at,
    })
    return id
  }

  it('marks interrupted what a dead process, or a reused pid, left running; leaves live ones alone', async () => {
    const w = await makeWorld()
    const deadPid = spawnSync('true').pid // a pid that existed and is gone
    const me = currentProcess()
    const dead = await journaled(w, { pid: deadPid, startId: 'x' })
    const reused = await journaled(w, { pid: process.ppid, startId: `${me.startId}-not-the-same` })
    const live = await journaled(w, me)
    const done = await journaled(w, { pid: 999_999, startId: '' }, 'succeeded')
    const found = await w.ops.recoverInterrupted()
    expect(found.map((o) => o.id).sort()).toEqual([dead, reused].sort())
    const byId = new Map((await w.ops.listOperations()).map((o) => [o.id, o]))
    expect(byId.get(dead)!.status).toBe('interrupted')
    expect(byId.get(dead)!.steps[0]!.status).toBe('interrupted')
    expect(byId.get(reused)!.status).toBe('interrupted')
    expect(byId.get(live)!.status).toBe('running')
    expect(byId.get(done)!.status).toBe('succeeded')
    await expect(w.ops.resume(live)).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/is running in process/) })
  })
})
