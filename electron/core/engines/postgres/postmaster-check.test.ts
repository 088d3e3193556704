// The one "live postmaster of this data dir" check of scripts.ts (LIVE_POSTMASTER), run by the
// real sh on this machine against stand-in processes: a zombie is a stopped server, a pid that
// now belongs to a program elsewhere is neither signalled nor waited on, a live one is stopped.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { RUNNING, STOP_FAST } from './scripts'

const dirs: string[] = []
const procs: ChildProcess[] = []
afterEach(() => {
  for (const p of procs.splice(0)) p.kill('SIGKILL')
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const dataDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'rd-pm-'))
  dirs.push(d)
  return d
}
/** A long sleep whose working directory is `cwd` (a postmaster chdirs to its data dir). */
const sleeper = (cwd: string) => {
  const p = spawn('sleep', ['30'], { cwd, stdio: 'ignore' })
  procs.push(p)
  return p.pid!
}
const sh = (script: string, ...args: string[]) => spawnSync('sh', ['-c', script, 'sh', ...args], { encoding: 'utf8', timeout: 10_000 })
const running = (d: string) => sh(RUNNING, d).stdout.trim()
const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/\) Z /.test(spawnSync('cat', [`/proc/${pid}/stat`], { encoding: 'utf8' }).stdout)

describe('a live postmaster of this data dir', () => {
  it('no pid file, or an empty one: stopped', () => {
    const d = dataDir()
    expect(running(d)).toBe('stopped')
    writeFileSync(join(d, 'postmaster.pid'), '\n')
    expect(running(d)).toBe('stopped')
  })

  it('a process working in the data dir: running; STOP_FAST stops it and waits for it', () => {
    const d = dataDir()
    const pid = sleeper(d)
    writeFileSync(join(d, 'postmaster.pid'), `${pid}\n${d}\n`)
    expect(running(d)).toBe('running')
    const r = sh(STOP_FAST, d, 'true', '5')
    expect(r.status).toBe(0)
    expect(alive(pid)).toBe(false)
  })

  it('a stale pid file naming a program elsewhere: stopped, and STOP_FAST neither signals nor waits on it', () => {
    const d = dataDir()
    const pid = sleeper(dataDir())
    writeFileSync(join(d, 'postmaster.pid'), `${pid}\n${d}\n`)
    expect(running(d)).toBe('stopped')
    const t0 = Date.now()
    expect(sh(STOP_FAST, d, 'true', '5').status).toBe(0)
    expect(Date.now() - t0).toBeLessThan(2000)
    expect(alive(pid)).toBe(true)
  })

  it('a killed postmaster not reaped yet (a zombie, which answers kill -0): stopped at once', () => {
    const d = dataDir()
    // The child exits at once; its parent execs a sleep that never reaps it.
    const parent = spawn('sh', ['-c', 'sleep 0.05 & echo $! > postmaster.pid; exec sleep 30'], { cwd: d, stdio: 'ignore' })
    procs.push(parent)
    spawnSync('sleep', ['0.4'])
    const pid = Number(sh('head -n 1 "$1/postmaster.pid"', d).stdout.trim())
    expect(sh('kill -0 "$1"', String(pid)).status).toBe(0)
    expect(running(d)).toBe('stopped')
    const t0 = Date.now()
    expect(sh(STOP_FAST, d, 'true', '5').status).toBe(0)
    expect(Date.now() - t0).toBeLessThan(2000)
  })
})
