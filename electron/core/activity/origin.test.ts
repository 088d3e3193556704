import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeWorld } from '../../../e2e/support/operations/setup'
import { commandRecorder } from '../ssh/activity-record'
import type { ResolvedTarget } from '../ssh/target'
import { ActivityLog } from './activity-log'
import { currentOrigin, withOrigin } from './origin'

const target = { label: 'postgres@10.0.0.1', address: '10.0.0.1', port: 22, user: 'postgres' } as ResolvedTarget
const result = { stdout: '', stderr: '', exitCode: 0, durationMs: 1, truncated: { stdout: false, stderr: false } }

describe('the origin of a command in the activity log', () => {
  it('is whoever started the work around it: the innermost one, through awaits and timers', async () => {
    const log = new ActivityLog({ dataDir: mkdtempSync(join(tmpdir(), 'rd-origin-')) })
    const record = commandRecorder(log)
    const run = (what: string) => record(target, [what], {}, new Date(), result)
    run('outside')
    withOrigin('status', () => run('poll'))
    await withOrigin('user', async () => {
      run('asked')
      await withOrigin('operation', async () => {
        await new Promise((r) => setTimeout(r, 1))
        run('step')
      })
      run('asked-again')
    })
    await withOrigin('status', () => new Promise<void>((r) => setTimeout(() => (run('retry'), r()), 1)))
    const origins = Object.fromEntries(log.list().map((e) => [e.argv[0], e.origin]))
    expect(origins).toEqual({ outside: undefined, poll: 'status', asked: 'user', step: 'operation', 'asked-again': 'user', retry: 'status' })
  })

  it("an operation's steps run as 'operation', also when a user's call started it", async () => {
    const w = await makeWorld()
    const def = w.def()
    const seen: (string | undefined)[] = []
    const steps = def.steps.map((s) => ({ ...s, run: (ctx: Parameters<typeof s.run>[0], report: Parameters<typeof s.run>[1]) => (seen.push(currentOrigin()), s.run(ctx, report)) }))
    const done = await withOrigin('user', () => w.ops.runOperation({ ...def, steps }))
    expect(done.status).toBe('succeeded')
    expect(seen).toEqual(def.steps.map(() => 'operation'))
  })
})
