// The data-dir guard's TS side (arguments, parsing, verdicts and messages) and its shell rules
// run locally with sh on a scratch tree (no server: the rules are plain file tests).
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { AppError } from '../../../../shared/errors'
import { allowArg, explainGuardFailure, GUARD_FN, judgeNewDataDir, parseGuard, protectedDirs, refuseRunningOnTarget, type NewDataDirJudgement } from './data-dir-guard'
import type { PgMember } from './model'

const m = (name: string, host: string, dataDir: string) => ({ name, host, dataDir }) as PgMember

describe('data-dir guard: TS side', () => {
  it('protects the other members on the same host and the other records there, once each', () => {
    const me = m('db2', 'h1', '/srv/pg/db2')
    const members = [m('db1', 'h1', '/srv/pg/db1'), me, m('db3', 'h2', '/srv/pg/db3')]
    expect(protectedDirs(me, members, [{ host: 'h1', dataDir: '/srv/pg/db1' }, { host: 'h1', dataDir: '/data/other' }, { host: 'h9', dataDir: '/x' }])).toBe('/srv/pg/db1\n/data/other')
    expect(allowArg({ any: true, sysid: '1' })).toBe('any')
    expect(allowArg({ sysid: '42' })).toBe('sysid:42')
    expect(allowArg({})).toBe('none')
  })

  it('parses a hard refusal, and the content refusal as none', () => {
    expect(parseGuard('resolved /srv\nrefuse running-above /srv/pg/db1\nverdict 4\n')).toMatchObject({ resolved: '/srv', refusal: { kind: 'running-above', path: '/srv/pg/db1' }, verdict: 4 })
    expect(parseGuard('resolved /d\ncontent nonempty\nsysid 7\nsize 1.2G\nrefuse content /d\nverdict 5\n')).toEqual({ resolved: '/d', content: 'nonempty', sysid: '7', size: '1.2G', verdict: 5 })
  })

  const judge = (over: Partial<NewDataDirJudgement> & { out: string }) => () =>
    judgeNewDataDir({ host: 'h2', target: '/srv/pg/db2', answer: parseGuard(over.out), ours: false, overwrite: true, unrelated: false, sysid: '7', clusterId: 'main', member: 'db2', ...over })

  it('refuses a parent of a running server whatever the flags, naming host, path and what to do', () => {
    const f = judge({ out: 'refuse running-above /srv/pg/db2/inner\nverdict 4\n', unrelated: true, ours: true })
    expect(f).toThrow(AppError)
    expect(f).toThrow(/will not empty \/srv\/pg\/db2 on h2: it contains the data directory of a running PostgreSQL server \(\/srv\/pg\/db2\/inner\)\. Nothing was deleted\. Pick a data directory/)
  })

  it('lets --overwrite empty a stale copy of this cluster only; an unrelated dir needs the second confirmation, stated with its size', () => {
    expect(judge({ out: 'content nonempty\nsysid 7\nsize 30M\nverdict 5\n' })).not.toThrow()
    expect(judge({ out: 'content nonempty\nsysid 8\nsize 30M\nverdict 5\n' })).toThrow(/holds 30M on disk, a PostgreSQL data directory of ANOTHER cluster .*--overwrite --overwrite-unrelated/)
    expect(judge({ out: 'content nonempty\nsize 5.0K\nverdict 5\n' })).toThrow(/5.0K on disk, not a PostgreSQL data directory of cluster main/)
    expect(judge({ out: 'content nonempty\nsize 5.0K\nverdict 5\n', unrelated: true })).not.toThrow()
    expect(judge({ out: 'content nonempty\nsize 5.0K\nverdict 5\n', overwrite: false })).toThrow(/is not empty \(5.0K on disk.*--overwrite --overwrite-unrelated/)
    expect(judge({ out: 'content nonempty\nsysid 7\nsize 5.0K\nverdict 5\n', overwrite: false })).toThrow(/stale copy of cluster main .* run again with --overwrite to replace it/)
    expect(judge({ out: 'content nonempty\nsize 5.0K\nverdict 5\n', ours: true })).not.toThrow()
    expect(judge({ out: 'content empty\nverdict 0\n', overwrite: false })).not.toThrow()
    expect(judge({ out: '' })).toThrow(/could not check/)
  })

  it("leaves a server running on the target itself to the probe's verdict, and refuses it unless it is the operation's own", () => {
    const a = parseGuard('running-own /srv/pg/db2\ncontent nonempty\nsize 30M\nverdict 5\n')
    expect(a.ownRunning).toBe('/srv/pg/db2')
    expect(judge({ out: 'running-own /srv/pg/db2\ncontent nonempty\nverdict 5\n' })).not.toThrow()
    expect(() => refuseRunningOnTarget('h2', '/srv/pg/db2', a, true)).not.toThrow()
    expect(() => refuseRunningOnTarget('h2', '/srv/pg/db2', a, false)).toThrow(/will not use \/srv\/pg\/db2 on h2: a PostgreSQL server runs on it/)
  })

  it("turns a step's refusal (exit 4/5 with the guard's line) into the pre-flight's words; other failures unchanged", () => {
    const failed = (exitCode: number, stderrTail: string) => new AppError('command_failed', 'x', { exitCode, stderrTail })
    const e = explainGuardFailure(failed(4, 'refuse member-above /srv/pg/db1'), 'h1', '/srv/pg', 'empty') as AppError
    expect(e.message).toContain('will not empty /srv/pg on h1: it contains the data directory of another member on this host (/srv/pg/db1)')
    expect((explainGuardFailure(failed(5, 'refuse content /d'), 'h1', '/d', 'empty') as AppError).message).toMatch(/not provably a copy of this cluster/)
    const other = failed(1, 'pg_basebackup: error')
    expect(explainGuardFailure(other, 'h1', '/d', 'empty')).toBe(other)
    expect(explainGuardFailure(failed(4, 'something else'), 'h1', '/d', 'empty')).toBeInstanceOf(AppError)
  })
})

describe('data-dir guard: shell rules on a scratch tree', () => {
  const root = mkdtempSync(join(tmpdir(), 'rd-guard-'))
  afterAll(() => rmSync(root, { recursive: true, force: true }))
  const d = (p: string) => join(root, p)
  mkdirSync(d('member/inner'), { recursive: true })
  mkdirSync(d('nest/x/global'), { recursive: true })
  writeFileSync(d('nest/x/global/pg_control'), '')
  mkdirSync(d('stuff'))
  writeFileSync(d('stuff/file'), 'hello')
  mkdirSync(d('empty'))
  symlinkSync(d('member'), d('link'))
  writeFileSync(d('plainfile'), '')
  mkdirSync(d('home/.replicadesk/claims'), { recursive: true })
  mkdirSync(d('outer/m'), { recursive: true })
  const guard = (target: string, allow = 'none', prot = `${d('member')}\n${d('outer/m')}`) =>
    parseGuard(execFileSync('sh', ['-c', `${GUARD_FN}\nrd_guard check "$@"\necho "verdict $?"`, 'sh', target, '/nonexistent/pg_controldata', allow, prot], { encoding: 'utf8', env: { ...process.env, HOME: d('home') } }))

  it.each([
    ['/', 'system'],
    ['/var/lib', 'system'],
    ['/var/lib/postgresql', 'system'],
    ['/var/lib/postgresql/15', 'system'],
    ['/var/lib/pgsql/15', 'system'],
    ['/usr/lib/postgresql', 'system'],
    ['/home/someone', 'system'],
    ['/etc/postgresql/15/main', 'system'],
    [root, 'home'], // it contains the (scratch) home, checked before the members
    ['outer', 'member-above'],
    ['member', 'member-equal'],
    ['member/inner', 'member-below'],
    ['link', 'symlink'],
    ['plainfile', 'notdir'],
    ['nest', 'nested'],
    ['home', 'home'],
    ['home/.replicadesk/claims', 'replicadesk'],
    ['home/.ssh', 'home'],
  ])('refuses %s (%s) whatever ALLOW says', (target, kind) => {
    const a = guard(target.startsWith('/') ? target : d(target), 'any')
    expect(a.verdict).toBe(4)
    expect(a.refusal?.kind).toBe(kind)
  })

  it('lets a missing or empty dir go; a non-empty one only when ALLOW says so, with its size', () => {
    expect(guard(d('missing/deeper')).verdict).toBe(0)
    for (const usual of ['/var/lib/postgresql/15/main', '/var/lib/postgresql/data', '/var/lib/pgsql/15/data', '/usr/local/pgsql/data', '/srv/pg/db2', '/data/pg']) {
      expect(guard(`${usual}-rd-guard-test-missing`).verdict, usual).toBe(0)
    }
    expect(guard(d('empty'))).toMatchObject({ content: 'empty', verdict: 0 })
    expect(guard(d('stuff'))).toMatchObject({ content: 'nonempty', verdict: 5 })
    expect(guard(d('stuff')).size).toMatch(/^[0-9.]+[KMG]?$/)
    expect(guard(d('stuff'), 'sysid:123').verdict).toBe(5)
    expect(guard(d('stuff'), 'any').verdict).toBe(0)
  })
})
