// The look at a stopped MariaDB member, with its script run on this machine (sh, /proc): a
// process named mariadbd whose working directory is the datadir counts as running, with or
// without its pid file; without one the reason is "not running" with how its log ends, and a
// pid file left behind says it crashed or was killed (stopped at: when status saw it down).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StatusSsh } from '../../engine'
import type { MariaStatusMemberInput } from './members'
import { explainMariaDown } from './stopped'

let dir: string
let dataDir: string
const live: ChildProcess[] = []

/** Runs the argv here, as the SSH layer would on the host (sudo ignored: same user). */
const ssh = {
  exec: async (_t: unknown, argv: string[]) => {
    const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 5000 })
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.status ?? -1 }
  },
} as unknown as StatusSsh

const member = (over: Partial<MariaStatusMemberInput> = {}): MariaStatusMemberInput => ({
  name: 'db2',
  host: 'pi2',
  target: { address: 'pi2.lan', user: 'rdadmin' },
  port: 3306,
  dataDir,
  logFile: join(dataDir, 'mariadbd.err'),
  pidFile: join(dataDir, 'mariadbd.pid'),
  ...over,
})

const since = new Date(Date.now() - 2000).toISOString()
const ctx = { down: { code: 'connection_lost' as const, reason: 'x' }, since, last: null, timeoutMs: 3000 }

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rd-maria-stopped-'))
  dataDir = join(dir, 'data')
  spawnSync('mkdir', [dataDir])
  writeFileSync(join(dataDir, 'mariadbd.err'), ['2026-12-07 17:30:25 0 [Note] /usr/sbin/mariadbd: ready for connections.', "Query: 'CREATE USER repl@'%' IDENTIFIED BY 'x''", 'x'.repeat(500), ''].join('\n'))
})

afterAll(() => {
  for (const p of live) p.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

describe('a stopped MariaDB member, looked at on its host', () => {
  it('not running: the log tail (cut, passwords masked) and, with its pid file left, crashed', async () => {
    rmSync(join(dataDir, 'mariadbd.pid'), { force: true })
    const clean = await explainMariaDown(ssh, member(), ctx)
    expect(clean).toMatchObject({ code: 'not_running', log: { file: join(dataDir, 'mariadbd.err') } })
    expect(clean!.reason).toMatch(/^db2 on pi2: MariaDB is not running on pi2 \(stopped at [\d:-\s]+\)\.$/)
    expect(clean!.log!.lines).toHaveLength(3)
    expect(clean!.log!.lines[1]).toBe("Query: 'CREATE USER repl@'%' IDENTIFIED BY '***'")
    expect(clean!.log!.lines[2]).toHaveLength(200)

    writeFileSync(join(dataDir, 'mariadbd.pid'), '999999\n') // no such process: a kill -9 left it
    const killed = await explainMariaDown(ssh, member(), ctx)
    expect(killed!.reason).toContain('crashed or was killed')
    // a killed server logs nothing on its way out: stopped when status saw it down
    expect(killed!.reason).toContain(`stopped at ${new Date(since).toTimeString().slice(0, 8)}`)
  })

  it('running: a live mariadbd of this datadir, found by its pid file or by its working directory', async () => {
    const bin = join(dir, 'mariadbd')
    copyFileSync('/bin/sleep', bin)
    spawnSync('chmod', ['+x', bin])
    const p = spawn(bin, ['30'], { cwd: dataDir, stdio: 'ignore' })
    live.push(p)
    await new Promise((r) => setTimeout(r, 100))
    writeFileSync(join(dataDir, 'mariadbd.pid'), `${p.pid}\n`)
    expect(await explainMariaDown(ssh, member(), ctx)).toBeNull()
    expect(await explainMariaDown(ssh, member({ pidFile: undefined }), ctx)).toBeNull()
    // the same process serves another datadir: not this one's server
    const other = join(dir, 'other')
    spawnSync('mkdir', [other])
    expect(await explainMariaDown(ssh, member({ dataDir: other, pidFile: undefined }), ctx)).toMatchObject({ code: 'not_running' })
    p.kill('SIGKILL')
  })

  it('says nothing when it cannot look (no datadir known, or one it cannot enter)', async () => {
    expect(await explainMariaDown(ssh, member({ dataDir: undefined }), ctx)).toBeNull()
    expect(await explainMariaDown(ssh, member({ dataDir: join(dir, 'missing') }), ctx)).toBeNull()
  })
})
