import { appendFileSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { AppError } from '../../../shared/errors'
import { ActivityLog, type ActivityInput } from './activity-log'

const entry = (i: number): ActivityInput => ({ host: 'postgres@10.0.0.1', argv: ['echo', String(i)], startedAt: new Date(0).toISOString(), durationMs: i, exitCode: 0 })

describe('ActivityLog', () => {
  it('keeps a bounded ring, newest first, and pushes every entry to listeners', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rd-act-'))
    const log = new ActivityLog({ dataDir: dir, ringSize: 5 })
    const seen: string[] = []
    const off = log.onEntry((e) => seen.push(e.argv[1]!))
    log.onEntry(() => {
      throw new Error('a broken listener')
    })
    for (let i = 0; i < 12; i++) log.record(entry(i))
    off()
    log.record(entry(99))
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => String(i)))
    expect(log.list().map((e) => e.argv[1])).toEqual(['99', '11', '10', '9', '8'])
    expect(log.list({ limit: 2 }).map((e) => e.argv[1])).toEqual(['99', '11'])
    await log.flush()
    const lines = readFileSync(log.file, 'utf8').trim().split('\n')
    expect(lines).toHaveLength(13)
    expect(statSync(log.file).mode & 0o777).toBe(0o600)
  })

  it('rotates the file at its size limit, keeping one old file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rd-act-'))
    const log = new ActivityLog({ dataDir: dir, maxFileBytes: 2000 })
    for (let i = 0; i < 100; i++) log.record(entry(i))
    await log.flush()
    expect(statSync(log.file).size).toBeLessThanOrEqual(2000)
    expect(existsSync(`${log.file}.1`)).toBe(true)
    expect(statSync(`${log.file}.1`).size).toBeLessThanOrEqual(2000)
    const last = JSON.parse(readFileSync(log.file, 'utf8').trim().split('\n').pop()!)
    expect(last.argv).toEqual(['echo', '99'])
  })

  it('reloads the newest entries from disk and skips a torn line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rd-act-'))
    const a = new ActivityLog({ dataDir: dir })
    for (let i = 0; i < 3; i++) a.record(entry(i))
    await a.flush()
    appendFileSync(a.file, '{"id":"x","host":') // a crash mid-write
    const b = new ActivityLog({ dataDir: dir, ringSize: 2 })
    await b.load()
    expect(b.list().map((e) => e.argv[1])).toEqual(['2', '1'])
    b.record(entry(7)) // lands on its own line after the torn one
    await b.flush()
    const c = new ActivityLog({ dataDir: dir })
    await c.load()
    expect(c.list().map((e) => e.argv[1])).toEqual(['7', '2', '1', '0'])
  })

  it('records a notice of the core as an entry of its own: exit 0 when done, the error code when not', () => {
    const log = new ActivityLog({ dataDir: mkdtempSync(join(tmpdir(), 'rd-act-')) })
    const seen: string[] = []
    log.onEntry((e) => seen.push(e.argv[1]!))
    log.notice('fence-watcher', 'db1 of ha is reachable again: fence written')
    log.notice('fence-watcher', 'Could not fence db1 of ha', new AppError('ssh_connect', 'db1: no route to host'))
    log.notice('fence-watcher', 'Could not fence db2 of ha', new Error('boom'))
    const [unexpected, failed, done] = log.list()
    expect(done).toMatchObject({ host: 'replicadesk', argv: ['fence-watcher', 'db1 of ha is reachable again: fence written'], exitCode: 0, durationMs: 0 })
    expect(done!.errorCode).toBeUndefined()
    expect(failed).toMatchObject({ host: 'replicadesk', argv: ['fence-watcher', 'Could not fence db1 of ha: db1: no route to host'], exitCode: null, errorCode: 'ssh_connect' })
    expect(unexpected).toMatchObject({ argv: ['fence-watcher', 'Could not fence db2 of ha: boom'], exitCode: null, errorCode: 'internal' })
    expect(seen).toHaveLength(3)
  })

  it('rejects entries that do not fit the schema', () => {
    const log = new ActivityLog({ dataDir: mkdtempSync(join(tmpdir(), 'rd-act-')) })
    expect(() => log.record({ ...entry(1), errorCode: 'nonsense' as never })).toThrow()
  })
})
