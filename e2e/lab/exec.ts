// Runs a command inside a lab host for test setup, without SSH: nsenter into the holder's
// net+mount+UTS namespaces (keeping its root and cwd), then runuser to the wanted user (root by
// default).
import { spawn } from 'node:child_process'
import { holderPid } from './netns'
import { cleanEnv, LabError, run, type RunResult } from './run'
import { enterArgs } from './same-root'
import { findHost, readLab, type Lab, type LabHost } from './state'

export interface ExecOptions {
  user?: string
  input?: string
  env?: Record<string, string>
  timeoutMs?: number
  lab?: Lab
}

function command(host: string | LabHost, argv: string[], opts: ExecOptions): { cmd: string; args: string[]; env: NodeJS.ProcessEnv } {
  if (argv.length === 0) throw new LabError('exec needs a command')
  const lab = opts.lab ?? readLab()
  const h = findHost(lab, host)
  const user = opts.user ?? 'root'
  // runuser sets HOME, SHELL, USER and LOGNAME of the target user itself.
  const asUser = user === 'root' ? argv : ['runuser', '-u', user, '--', ...argv]
  const env = { ...cleanEnv, ...(user === 'root' ? { HOME: '/root', USER: 'root', LOGNAME: 'root' } : {}), ...opts.env }
  if (lab.mode === 'loopback') return { cmd: asUser[0]!, args: asUser.slice(1), env }
  const pid = holderPid(h)
  if (!pid) throw new LabError(`${h.name} is down (killed?): \`restart ${h.name}\` boots it again`)
  // -r -w: the holder's root and cwd (/), never the mount namespace's own root (see same-root.ts).
  return { cmd: 'nsenter', args: [...enterArgs(pid), '--', ...asUser], env }
}

/** Runs argv on the host; never throws on a non-zero exit: check `code`. */
export async function exec(host: string | LabHost, argv: string[], opts: ExecOptions = {}): Promise<RunResult> {
  const c = command(host, argv, opts)
  return run(c.cmd, c.args, { env: c.env, cwd: '/', input: opts.input, timeoutMs: opts.timeoutMs, allowFail: true })
}

/** Same, with the terminal's stdin/stdout/stderr (for the CLI); resolves to the exit code. */
export async function execInteractive(host: string, argv: string[], opts: ExecOptions = {}): Promise<number> {
  const c = command(host, argv, opts)
  return new Promise((resolve, reject) => {
    const child = spawn(c.cmd, c.args, { env: c.env, stdio: 'inherit', cwd: '/' })
    child.on('error', reject)
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + 9 : 1)))
  })
}

/** exec that throws (with the command's stderr) unless it exits 0; returns stdout. */
export async function execOk(host: string | LabHost, argv: string[], opts: ExecOptions = {}): Promise<string> {
  const r = await exec(host, argv, opts)
  const name = typeof host === 'string' ? host : host.name
  if (r.code !== 0) throw new LabError(`${name}: ${argv.join(' ')} exited ${r.code}: ${(r.stderr || r.stdout).trim()}`)
  return r.stdout
}
