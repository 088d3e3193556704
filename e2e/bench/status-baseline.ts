// The same-run baselines of status.bench.ts: what a bare script does to ask each member the
// same questions over `ssh … psql` (OpenSSH client, a new login per question).
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { sshArgv, type Lab } from '../lab'
import { POLL_SQL } from '../../electron/core/engines/postgres/status/query'

export interface BaselineMember {
  host: string
  user: string
  port: number
  dataDir: string
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

/** One ssh per member in parallel: the poll statement through psql, then df of the data dir. */
export function writeOneShotScript(lab: Lab, members: BaselineMember[], dir: string): string {
  const sqlFile = join(dir, 'poll.sql')
  writeFileSync(sqlFile, POLL_SQL + ';\n')
  const lines = members.map((m, i) => {
    const remote = `psql -XAt -h /run/postgresql -p ${m.port} -d postgres -f - && df -P -B1 -- ${q(m.dataDir)}`
    return `ssh ${sshArgv(m.host, { lab, user: m.user }).map(q).join(' ')} -- ${q(remote)} < ${q(sqlFile)} > ${q(join(dir, `out${i}`))} & pids="$pids $!"`
  })
  const script = join(dir, 'baseline.sh')
  writeFileSync(script, ['#!/bin/sh', '# bare status script: one ssh + psql + df per member, in parallel', 'pids=', ...lines, 'rc=0; for p in $pids; do wait "$p" || rc=1; done; exit $rc', ''].join('\n'))
  return script
}

export function baselineOutputs(dir: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => readFileSync(join(dir, `out${i}`), 'utf8'))
}

/** Runs a command to its end; resolves with the wall time in ms and the exit code. */
export function timed(cmd: string, args: string[], opts: { stderr?: (s: string) => void; stdout?: (s: string) => void } = {}): Promise<{ ms: number; code: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    c.stdout.on('data', (d) => (out += d))
    c.stderr.on('data', (d) => (err += d))
    c.on('error', reject)
    c.on('close', (code) => {
      const ms = performance.now() - t0
      opts.stderr?.(err)
      opts.stdout?.(out)
      resolve({ ms, code: code ?? -1 })
    })
  })
}

/** CPU time (ms) of this process's waited-for children, from /proc/self/stat (cutime + cstime). */
export function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // fields[0] is field 3 (state); cutime and cstime are fields 16 and 17
  const ticks = Number(fields[13]) + Number(fields[14])
  return (ticks * 1000) / 100 // USER_HZ is 100 on Linux
}

/**
 * A bare down detector: every period, `ssh host psql -c 'SELECT 1'` with a time limit; the
 * member is down at the end of the first poll that fails. Returns a stop function and the
 * list of (end time, ok) of every poll.
 */
export function barePoller(lab: Lab, m: BaselineMember, periodMs: number, limitS: number) {
  const results: { end: number; ok: boolean }[] = []
  let stopped = false
  const argv = [...sshArgv(m.host, { lab, user: m.user, connectTimeoutS: limitS }), '--', `psql -XAt -h /run/postgresql -p ${m.port} -d postgres -c 'SELECT 1'`]
  const once = () =>
    new Promise<void>((resolve) => {
      const c = spawn('ssh', argv, { stdio: 'ignore' })
      const kill = setTimeout(() => c.kill('SIGKILL'), limitS * 1000)
      c.on('close', (code) => {
        clearTimeout(kill)
        results.push({ end: performance.now(), ok: code === 0 })
        resolve()
      })
      c.on('error', () => resolve())
    })
  const loop = async () => {
    while (!stopped) {
      const t0 = performance.now()
      // a bare script runs its polls one after another: a hanging poll delays the next
      await once()
      const wait = periodMs - (performance.now() - t0)
      if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    }
  }
  void loop()
  return {
    results,
    stop: () => {
      stopped = true
    },
    /** End time of the first failed poll that ended after `t`. */
    firstFailureAfter: (t: number) => results.find((r) => r.end > t && !r.ok)?.end,
    firstSuccessAfter: (t: number) => results.find((r) => r.end > t && r.ok)?.end,
  }
}
