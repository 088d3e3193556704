// Test stand-in for the SSH layer: "hosts" are folders under one temp dir, and a command
// "on" a host is the argv run locally with execFile semantics (no shell), its cwd in that
// folder. So lease scripts meet the real mkdir/rename semantics. Each host has its own clock
// offset (a `date` wrapper first on PATH) to test that expiry is judged by the member's clock.
import { spawn } from 'node:child_process'
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { AppError } from '../../../shared/errors'
import { argValue, type Arg } from '../../../electron/core/ssh/quote'
import type { RemoteOptions, RemoteResult, RemoteRunner } from '../../../electron/core/operations/types'

export interface LocalHosts extends RemoteRunner {
  root: string
  dirOf(host: string): string
  /** Hosts that fail every command as unreachable. */
  down: Set<string>
  /** Commands this returns true for fail as unreachable too (e.g. only the lease's). */
  refuse?: (host: string, argv: readonly string[]) => boolean
  /** Moves a host's `date +%s` by this many seconds. */
  setClock(host: string, offsetSeconds: number): Promise<void>
  /** Every command run, in order (secrets as `***`). */
  calls: { host: string; argv: string[] }[]
}

const dateWrapper = `#!/bin/sh
off=$(cat "$FAKE_HOST_DIR/clock-offset" 2>/dev/null || echo 0)
out=$(/bin/date "$@") || exit $?
# The member's clock jumped ahead at clock-set-at (real time): what it reads (date +%s) moves,
# and so do the times of files written since (date -r FILE +%s, e.g. a lease mutex made now);
# files written before keep their old times, so they look as old as the jump makes them.
case "$*" in
  +%s) echo $((out + off)) ;;
  "-r "*" +%s")
    set_at=$(cat "$FAKE_HOST_DIR/clock-set-at" 2>/dev/null || echo 0)
    if [ "$(/bin/date -r "$2" +%s%N)" -ge "$set_at" ]; then echo $((out + off)); else echo "$out"; fi ;;
  *) printf '%s\\n' "$out" ;;
esac
`

export async function createLocalHosts(root: string, hosts: readonly string[]): Promise<LocalHosts> {
  const dirOf = (host: string) => join(root, host)
  for (const host of hosts) {
    await mkdir(join(dirOf(host), 'bin'), { recursive: true })
    await writeFile(join(dirOf(host), 'bin', 'date'), dateWrapper)
    await chmod(join(dirOf(host), 'bin', 'date'), 0o755)
  }
  const down = new Set<string>()
  const calls: LocalHosts['calls'] = []

  const self: LocalHosts = {
    root,
    dirOf,
    down,
    calls,
    run,
    setClock: async (host, offsetSeconds) => {
      await writeFile(join(dirOf(host), 'clock-set-at'), `${Date.now()}000000`) // nanoseconds
      await writeFile(join(dirOf(host), 'clock-offset'), String(Math.round(offsetSeconds)))
    },
  }

  function run(host: string, argv: readonly Arg[], opts: RemoteOptions = {}): Promise<RemoteResult> {
    const shown = argv.map((a) => (typeof a === 'string' ? a : '***'))
    calls.push({ host, argv: shown })
    if (down.has(host) || !hosts.includes(host) || self.refuse?.(host, shown)) {
      return Promise.reject(new AppError('ssh_connect', `Cannot reach ${host}: connection refused (test host is down).`, { host }))
    }
    const [cmd, ...args] = argv.map(argValue)
    const dir = dirOf(host)
    return new Promise((resolve, reject) => {
      const child = spawn(cmd!, args, {
        cwd: dir,
        env: { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`, FAKE_HOST_DIR: dir },
        stdio: ['pipe', 'pipe', 'pipe'],
      })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new AppError('ssh_timeout', `${String(cmd)} on ${host} did not finish within ${opts.timeoutMs} ms.`))
      }, opts.timeoutMs ?? 30_000)
      child.on('error', (err) => {
        clearTimeout(timer)
        reject(new AppError('command_failed', `${String(cmd)} on ${host}: ${err.message}`))
      })
      child.on('close', (code) => {
        clearTimeout(timer)
        resolve({ stdout, stderr, code: code ?? 255 })
      })
      child.stdin.on('error', () => undefined) // the command may exit without reading stdin
      child.stdin.end(opts.stdin ?? '')
    })
  }

  return self
}
