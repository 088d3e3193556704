// Runs one command on a session: quoted argv, stdin for data, a time limit on both ends
// (coreutils `timeout` remotely, a timer that closes the channel locally), both output
// streams read and capped, and every way of not finishing cleanly turned into an AppError.
import { AppError } from '../../../shared/errors'
import { commandLine, redactArgv, TIMEOUT_KILL_AFTER_S, wrapArgv, type Arg } from './quote'
import type { ClientChannel } from 'ssh2'
import { signalChannel } from './channel-signal'
import type { Session } from './session'

export interface ExecOptions {
  /** Time limit for the command itself (queueing for a channel is not counted). Default 60 s. */
  timeoutMs?: number
  /** Data for the command's stdin; never logged. */
  stdin?: string | Buffer
  /** `true`: sudo -n as root; a string: sudo -n -u that user. */
  sudo?: boolean | string
  /** Cap per stream, default 10 MB. Past it the command is stopped. */
  maxOutputBytes?: number
  /** Return a capped result (flagged `truncated`) instead of failing with output_too_large. */
  allowTruncated?: boolean
  /** Exit codes that are not failures (default [0]). */
  okExitCodes?: number[]
  /** Live output, e.g. for progress lines. */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void
}

export interface ExecResult {
  stdout: string
  stderr: string
  /** null when the command was stopped (truncated output). */
  exitCode: number | null
  durationMs: number
  truncated: { stdout: boolean; stderr: boolean }
}

export const DEFAULT_TIMEOUT_MS = 60_000
export const DEFAULT_MAX_OUTPUT = 10 * 1024 * 1024
// The local timer fires after the remote one had its chance (TERM, then KILL 2 s later).
const LOCAL_GRACE_MS = TIMEOUT_KILL_AFTER_S * 1000 + 1500
/**
 * After the channel was told to stop, how long the server may take to close it. OpenSSH holds
 * the close while the command's process lives (one that ignores signals, or is stuck in the
 * kernel on a dead disk or NFS mount): past this the connection itself is dropped.
 */
export const CLOSE_GRACE_MS = 3000
/** A relayed command told to stop gets TERM, and KILL this much later. */
const TERM_GRACE_MS = 1000

class Capture {
  private chunks: Buffer[] = []
  bytes = 0
  truncated = false
  /** `tail`: keeps the newest `max` bytes and never asks to stop (a long copy's chatter). */
  constructor(private readonly max: number, private readonly keep: 'head' | 'tail' = 'head') {}
  /** Returns false once the cap is reached. */
  add(chunk: Buffer): boolean {
    if (this.keep === 'tail') return this.addTail(chunk)
    if (this.truncated) return false
    const room = this.max - this.bytes
    if (chunk.length > room) {
      if (room > 0) this.chunks.push(chunk.subarray(0, room))
      this.bytes = this.max
      this.truncated = true
      return false
    }
    this.chunks.push(chunk)
    this.bytes += chunk.length
    return true
  }
  private addTail(chunk: Buffer): true {
    this.chunks.push(chunk)
    this.bytes += chunk.length
    while (this.bytes > this.max) {
      const first = this.chunks[0]!
      const over = this.bytes - this.max
      this.truncated = true
      if (first.length <= over) {
        this.chunks.shift()
        this.bytes -= first.length
      } else {
        this.chunks[0] = first.subarray(over)
        this.bytes -= over
      }
    }
    return true
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8')
  }
}

/** The program's name for messages: `rsync`, not `/usr/bin/rsync -a --delete …`. */
function shortName(shown: readonly string[]): string {
  const first = (shown[0] ?? '').trim().split(/\s+/)[0] ?? ''
  return (first.split('/').pop() || first || 'the command').slice(0, 60)
}

export function tail(text: string, lines = 10, chars = 2000): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n').slice(-chars)
}

/**
 * Internal (pipe.ts): the caller owns the channel's stdout or stdin, the data of a copy.
 * Output the caller does not own is kept as a tail (`maxOutputBytes`) and never stops it.
 */
export interface ChannelRelay {
  /** stdout is the caller's: not captured. */
  stdout: boolean
  /** stdin is the caller's: not ended here. */
  stdin: boolean
  /** Runs synchronously as the channel opens. */
  attach(channel: ClientChannel): void
  /** Aborting stops the command: TERM, then KILL and close TERM_GRACE_MS later, then the bounded wait for the server. */
  signal: AbortSignal
  /** The command is being stopped: unread stdout must be let go, or the channel's close never comes. */
  onStop(): void
}

export interface RawExecOptions extends ExecOptions {
  /** Internal: no sudo, no `timeout` wrapper (the shell probe). */
  raw?: boolean
  /** Internal: a fixed command line with no user input in it (the shell probe). */
  rawLine?: string
  relay?: ChannelRelay
}

/** How the command is named in messages and errors. */
interface Shown {
  /** The command line as shown (a multi-line script named by its first line). */
  what: string
  where: string
  program: string
  detailBase: { host: string; port: number; user: string; argv: string[] }
}

/** What the channel told about the run, filled in while it runs. */
interface Run {
  out: Capture
  err: Capture
  exitCode?: number | null
  signal?: string
  localTimeout: boolean
  capped: boolean
  /** The server kept the channel open after the stop: the connection was dropped. */
  dropped: boolean
  /** Stopped through `relay.signal` (the other end of a copy failed). */
  aborted: boolean
  started: number
  timer?: NodeJS.Timeout
  graceTimer?: NodeJS.Timeout
  termTimer?: NodeJS.Timeout
  closed?: Promise<void>
}

/** Wires one channel: output captured and capped, the local time limit, stdin sent and ended. */
function attachChannel(channel: ClientChannel, run: Run, session: Session, shown: Shown, opts: RawExecOptions, timeoutMs: number): void {
  run.started = Date.now()
  let closeSeen!: () => void
  run.closed = new Promise<void>((resolve) => {
    closeSeen = resolve
    channel.on('close', () => resolve())
  })
  const relay = opts.relay
  // `gently`: TERM first (sudo passes it on to a command the login user may not signal), KILL
  // and close TERM_GRACE_MS later if the channel is still open.
  const stop = (gently = false) => {
    relay?.onStop()
    if (gently) {
      signalChannel(channel, 'TERM')
      run.termTimer ??= setTimeout(() => stop(), TERM_GRACE_MS)
      return
    }
    // Ask sshd to signal the process, then close: its next write gets SIGPIPE either way.
    signalChannel(channel, 'KILL')
    channel.close()
    // The wait for the server's answer is bounded too: past it, the connection goes.
    run.graceTimer ??= setTimeout(() => {
      run.dropped = true
      session.drop(new AppError('ssh_connect', `The connection to ${shown.where} was dropped: "${shown.program}" did not stop when told to, and the server did not close its channel within ${CLOSE_GRACE_MS / 1000} s. ReplicaDesk reconnects on next use.`, { ...shown.detailBase, program: shown.program }))
      closeSeen()
    }, CLOSE_GRACE_MS)
  }
  channel.on('exit', (code: number | null, sig?: string) => {
    run.exitCode = code
    run.signal = sig ?? undefined
  })
  const capture = (stream: 'stdout' | 'stderr', into: Capture) => (chunk: Buffer) => {
    opts.onOutput?.(stream, chunk)
    if (!into.add(chunk) && !run.capped) {
      run.capped = true
      stop()
    }
  }
  if (!relay?.stdout) channel.on('data', capture('stdout', run.out))
  channel.stderr.on('data', capture('stderr', run.err))
  channel.on('error', () => {}) // reported through close + session end below
  run.timer = setTimeout(() => {
    run.localTimeout = true
    stop()
  }, timeoutMs + (opts.raw ? 0 : LOCAL_GRACE_MS))
  if (relay) {
    relay.attach(channel)
    const abort = () => {
      run.aborted = true
      stop(true)
    }
    if (relay.signal.aborted) abort()
    else {
      relay.signal.addEventListener('abort', abort, { once: true })
      void run.closed.then(() => relay.signal.removeEventListener('abort', abort))
    }
  }
  // Data goes over stdin; ending it also keeps commands that read stdin from waiting.
  if (!relay?.stdin) channel.end(opts.stdin ?? undefined)
}

export async function runCommand(session: Session, argv: readonly Arg[], opts: RawExecOptions = {}): Promise<ExecResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const max = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT
  if (!(timeoutMs > 0 && timeoutMs <= 7 * 24 * 3600_000)) throw new AppError('invalid_input', 'timeoutMs must be between 1 ms and 7 days.')
  if (!(Number.isInteger(max) && max > 0)) throw new AppError('invalid_input', 'maxOutputBytes must be a positive whole number.')
  const target = session.target
  const argvShown = opts.rawLine !== undefined ? [opts.rawLine] : redactArgv(argv)
  // sudo -u to the login user itself is no change of identity, and fails where that user has no sudo rule.
  const sudo = opts.sudo === target.user ? undefined : opts.sudo
  const line = opts.rawLine ?? commandLine(opts.raw ? argv : wrapArgv(argv, { timeoutMs, sudo }))
  const shown: Shown = {
    // A multi-line script argument would drown the message: name it by its first line.
    what: argvShown.map((a) => (a.includes('\n') ? `'${a.split('\n')[0]}…'` : a)).join(' ').slice(0, 200),
    where: target.label,
    program: shortName(argvShown),
    detailBase: { host: target.address, port: target.port, user: target.user, argv: argvShown },
  }
  const keep = opts.relay ? 'tail' : 'head'
  const run: Run = { out: new Capture(max, keep), err: new Capture(max, keep), localTimeout: false, capped: false, dropped: false, aborted: false, started: 0 }
  if (opts.relay?.signal.aborted) throw stoppedError(shown)
  const { release } = await session.exec(line, (channel) => attachChannel(channel, run, session, shown, opts, timeoutMs))
  try {
    await run.closed
  } finally {
    clearTimeout(run.timer)
    clearTimeout(run.graceTimer)
    clearTimeout(run.termTimer)
    release()
  }
  return outcome(run, session, shown, opts, timeoutMs, max)
}

/** A relayed command stopped on purpose; the caller (pipe.ts) says why. */
function stoppedError(shown: Shown, detail: object = shown.detailBase): AppError {
  return new AppError('command_failed', `"${shown.what}" on ${shown.where} was stopped.`, { ...detail, stopped: true })
}

/** The result, or the AppError that says how the command did not finish cleanly. */
function outcome(run: Run, session: Session, shown: Shown, opts: RawExecOptions, timeoutMs: number, max: number): ExecResult {
  const { what, where, program } = shown
  const { exitCode, signal, out } = run
  const durationMs = Date.now() - run.started
  const result: ExecResult = {
    stdout: out.text(),
    stderr: run.err.text(),
    exitCode: exitCode ?? null,
    durationMs,
    truncated: { stdout: out.truncated, stderr: run.err.truncated },
  }
  const detail = { ...shown.detailBase, exitCode: exitCode ?? null, signal, durationMs, stderrTail: tail(result.stderr) }

  if (run.dropped) {
    const why = run.localTimeout ? `did not finish within ${timeoutMs} ms` : run.aborted ? 'was told to stop' : `printed more than ${max} bytes`
    throw new AppError(
      'ssh_timeout',
      `"${what}" on ${where} ${why} and did not stop when told to: the server kept its channel open ${CLOSE_GRACE_MS / 1000} s after the close, so ReplicaDesk dropped the connection (it reconnects on next use). "${program}" probably ignores signals or is stuck in the kernel (a hung disk or NFS mount); check it on the host (ps -eo pid,stat,args | grep ${program}) and stop it or fix what it waits on. It may still be running.`,
      { ...detail, timeoutMs, program, dropped: true },
    )
  }
  if (run.aborted) throw stoppedError(shown, detail)
  if (run.capped) {
    if (opts.allowTruncated) return { ...result, exitCode: null }
    throw new AppError('output_too_large', `"${what}" on ${where} printed more than ${max} bytes on ${out.truncated ? 'stdout' : 'stderr'}; it was stopped. Narrow the command or raise maxOutputBytes.`, { ...detail, limit: max, truncated: result.truncated })
  }
  if (run.localTimeout) {
    throw new AppError('ssh_timeout', `"${what}" on ${where} did not finish within ${timeoutMs} ms; the channel was closed.`, { ...detail, timeoutMs })
  }
  if (exitCode === undefined && signal === undefined) {
    const lost = session.closed
    if (lost) throw new AppError('ssh_connect', `The connection to ${where} was lost while "${what}" ran; it may or may not have completed. ${lost.message}`, detail)
    throw new AppError('command_failed', `"${what}" on ${where} ended without an exit status; treating it as failed. Check the host's sshd log.`, detail)
  }
  if (signal && !opts.raw && durationMs >= timeoutMs) {
    // timeout(1)'s KILL reaches its own process group, so sshd reports the signal, not 137.
    throw new AppError('ssh_timeout', `"${what}" on ${where} did not finish within ${timeoutMs} ms; it was stopped on the host (${signal}).`, { ...detail, timeoutMs })
  }
  if (signal) {
    throw new AppError('command_failed', `"${what}" on ${where} was killed by ${signal}. ${tail(result.stderr, 3, 300)}`.trim(), detail)
  }
  const code = exitCode as number
  if (!opts.raw) {
    // timeout(1): 124 = time limit hit (TERM); 137 = it needed KILL.
    if (code === 124 || (code === 137 && durationMs >= timeoutMs)) {
      throw new AppError('ssh_timeout', `"${what}" on ${where} did not finish within ${timeoutMs} ms; it was stopped on the host.`, { ...detail, timeoutMs })
    }
    if (opts.sudo && code === 1 && /sudo: (a password is required|a terminal is required)/.test(result.stderr)) {
      const as = typeof opts.sudo === 'string' ? ` -u ${opts.sudo}` : ''
      throw new AppError('ssh_sudo_password', `sudo on ${where} asks for a password, and ReplicaDesk never types sudo passwords. Allow ${session.target.user} to run the command without one (a NOPASSWD rule for "sudo${as}" in /etc/sudoers.d/), or log in as the user that owns it.`, detail)
    }
    if (code === 127 && /timeout: (not found|command not found)|timeout: No such file/.test(result.stderr)) {
      throw new AppError('command_failed', `${where} has no "timeout" command, which ReplicaDesk needs to stop runaway commands. Install coreutils on the host.`, detail)
    }
  }
  if (!(opts.okExitCodes ?? [0]).includes(code)) {
    const hint =
      code === 127 ? ' The program was not found on the host (check it is installed and on PATH).'
      : code === 126 ? ' The program could not be run (permissions?).'
      : ''
    const last = tail(result.stderr, 3, 400)
    throw new AppError('command_failed', `"${what}" failed on ${where} (exit ${code})${last ? `: ${last}` : '.'}${hint}`, detail)
  }
  return result
}
