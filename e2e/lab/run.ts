// Runs machine commands for the lab: argv only (never a shell string built from input),
// output captured, a timeout on everything, and errors that say which command failed.
import { spawn } from 'node:child_process'
import { constants } from 'node:os'

export interface RunResult {
  stdout: string
  stderr: string
  code: number
}

export interface RunOptions {
  input?: string
  env?: NodeJS.ProcessEnv
  cwd?: string
  timeoutMs?: number
  /** Return the result on a non-zero exit instead of throwing. */
  allowFail?: boolean
}

export class LabError extends Error {
  override name = 'LabError'
}

// The lab runs as root and hands children a fixed environment, so a test runner's
// variables (NODE_OPTIONS, VITEST_*) never leak into sshd or the hosts.
export const cleanEnv: NodeJS.ProcessEnv = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C.UTF-8',
}

export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000
  return new Promise((resolve, reject) => {
    // detached: own process group, so a timeout can kill everything the command started.
    const child = spawn(cmd, args, { env: opts.env ?? cleanEnv, cwd: opts.cwd, detached: true, stdio: 'pipe' })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const timer = setTimeout(() => {
      timedOut = true
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {
        /* already gone */
      }
    }, timeoutMs)
    child.on('error', (err) => {
      clearTimeout(timer)
      reject(new LabError(`${cmd}: ${err.message}`))
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const result = { stdout, stderr, code: code ?? 128 + (signal ? constants.signals[signal] : 0) }
      if (timedOut) {
        reject(new LabError(`${cmd} ${args.join(' ')}: timed out after ${timeoutMs} ms`))
      } else if (result.code !== 0 && !opts.allowFail) {
        const why = stderr.trim() || stdout.trim() || `exit ${result.code}`
        reject(new LabError(`${cmd} ${args.join(' ')}: ${why}`))
      } else {
        resolve(result)
      }
    })
    child.stdin.on('error', () => {}) // the command may exit without reading its input
    child.stdin.end(opts.input ?? '')
  })
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Polls `check` until it returns true or the deadline passes. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new LabError(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(10)
  }
}
