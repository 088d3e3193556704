// A copy between two hosts relayed through ReplicaDesk's own connections: the stdout of a
// command on one host is written into the stdin of a command on another. No port opens
// between the hosts; the data stays inside two SSH channels. Each end is an ordinary command
// (exec.ts: quoted argv, remote `timeout`, the local limit, the activity log); this file only
// couples them:
//   1. both channels open; the source's output waits until the sink's channel is there;
//   2. every chunk read from the source is written to the sink; when the sink's window is
//      full the source is paused (its window then stops the remote program), and resumed on drain;
//   3. the sink gets its EOF only once the source ended with exit 0, so it never mistakes a
//      failed source's partial output for a whole one;
//   4. the first failure (an end's non-zero exit, lost connection, time limit; the sink ending
//      before EOF; no byte moving for idleTimeoutMs) stops the other end the way a time limit
//      does, and the copy fails naming both hosts, the end that failed and its stderr.
import type { ClientChannel } from 'ssh2'
import { AppError } from '../../../shared/errors'
import type { ChannelRelay, ExecResult } from './exec'
import { otherSide, pipeError, type PipeFailure } from './pipe-error'
import { commandLine, type Arg } from './quote'

export type PipeSide = 'from' | 'to'

export interface PipeOptions {
  /** Time limit of each end's command (both run under `timeout` on their host). */
  timeoutMs: number
  /** Fail when no byte moved for this long while data is still to move. */
  idleTimeoutMs?: number
  /** `true`: sudo -n as root; a string: sudo -n -u that user. */
  fromSudo?: boolean | string
  toSudo?: boolean | string
  /** Bytes relayed so far: at most every 250 ms, and once at the end. */
  onBytes?: (total: number) => void
  /** Live stderr of either end (progress lines). */
  onStderr?: (side: PipeSide, chunk: Buffer) => void
  /** Tail of each end's stderr (and the sink's stdout) kept for the result and errors; default 1 MB. */
  maxStderrBytes?: number
}

export interface PipeEndResult {
  exitCode: number
  stderr: string
}

export interface PipeResult {
  bytes: number
  from: PipeEndResult
  /** The sink's stdout too (e.g. a checksum it printed). */
  to: PipeEndResult & { stdout: string }
  durationMs: number
}

/** One end of the copy as shown in messages. */
export interface PipeEnd {
  label: string
  argv: readonly Arg[]
}

/** Runs one end as a relayed command (service.ts binds it to the host, the pool and the activity log). */
export type RunEnd = (side: PipeSide, relay: ChannelRelay, opts: { timeoutMs: number; sudo?: boolean | string; maxOutputBytes: number; onOutput: (stream: 'stdout' | 'stderr', chunk: Buffer) => void }) => Promise<ExecResult>

const TICK_MS = 250
const DEFAULT_MAX_STDERR = 1024 * 1024

export function checkPipe(ends: Record<PipeSide, PipeEnd>, opts: PipeOptions): void {
  commandLine(ends.from.argv) // invalid_input before anything runs
  commandLine(ends.to.argv)
  const positive = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0
  if (!positive(opts?.timeoutMs)) throw new AppError('invalid_input', 'A copy between hosts needs a time limit (timeoutMs > 0).')
  if (opts.idleTimeoutMs !== undefined && !positive(opts.idleTimeoutMs)) throw new AppError('invalid_input', 'idleTimeoutMs must be a positive number of milliseconds.')
  if (opts.maxStderrBytes !== undefined && !(Number.isInteger(opts.maxStderrBytes) && opts.maxStderrBytes > 0)) throw new AppError('invalid_input', 'maxStderrBytes must be a positive whole number.')
}

/** The two channels of one copy and the data moving between them. */
class Coupling {
  bytes = 0
  first: PipeFailure | undefined
  /** The sink's stdin was ended and every byte handed to its channel. */
  sinkFlushed = false
  /** The source is paused until the sink drains. */
  waitingForSink = false
  readonly stops = { from: new AbortController(), to: new AbortController() }
  private source: ClientChannel | undefined
  private sink: ClientChannel | undefined
  private lastMove = Date.now()
  /** From here on the source's output is thrown away (the copy is being stopped). */
  private draining = false
  private sinkEnded = false

  readonly fromRelay: ChannelRelay = {
    stdout: true,
    stdin: false,
    signal: this.stops.from.signal,
    onStop: () => this.drain(),
    attach: (channel) => {
      this.source = channel
      channel.on('data', (chunk: Buffer) => this.move(chunk))
      // A failed source's output is worthless: stop the sink now, not once its data drained.
      channel.on('exit', (code: number | null) => code !== 0 && this.fail('from', 'failed'))
      if (this.sink) this.moved() // both open: the idle clock starts now
      else if (!this.draining) channel.pause() // until the sink's channel opens
    },
  }

  readonly toRelay: ChannelRelay = {
    stdout: false,
    stdin: true,
    signal: this.stops.to.signal,
    onStop: () => {},
    attach: (channel) => {
      this.sink = channel
      if (this.source) this.moved()
      this.source?.resume()
    },
  }

  // The first failure stops the rest; an end that failed on its own is not "stopped" on top
  // (its own exit status and stderr are the story).
  fail(side: PipeSide, why: PipeFailure['why']): void {
    if (this.first) return
    this.first = { side, why }
    this.drain()
    this.stops[otherSide(side)].abort()
    if (why === 'idle') this.stops[side].abort()
  }

  /** The source ended with exit 0 and all its output was read: the sink's EOF. */
  sourceDone(): void {
    if (this.first || !this.sink) return
    this.sinkEnded = true
    this.sink.end(() => (this.sinkFlushed = true))
  }

  /** The sink's command ended: before its EOF, the copy is incomplete. */
  sinkDone(): void {
    if (!this.sinkEnded) this.fail('to', 'early')
  }

  idleFor(): number {
    return Date.now() - this.lastMove
  }

  private drain(): void {
    this.draining = true
    this.source?.resume()
  }

  private readonly moved = () => {
    this.lastMove = Date.now()
  }

  private move(chunk: Buffer): void {
    const { sink, source } = this
    if (this.draining || !sink) return
    this.bytes += chunk.length
    this.moved()
    if (!sink.write(chunk, this.moved) && !this.waitingForSink) {
      this.waitingForSink = true
      source?.pause()
      sink.once('drain', () => {
        this.waitingForSink = false
        if (!this.draining) source?.resume()
      })
    }
  }
}

export async function relayPipe(ends: Record<PipeSide, PipeEnd>, opts: PipeOptions, runEnd: RunEnd): Promise<PipeResult> {
  checkPipe(ends, opts)
  const started = Date.now()
  const c = new Coupling()
  const endOpts = (side: PipeSide, sudo: boolean | string | undefined) => ({
    timeoutMs: opts.timeoutMs,
    sudo,
    maxOutputBytes: opts.maxStderrBytes ?? DEFAULT_MAX_STDERR,
    onOutput: (stream: 'stdout' | 'stderr', chunk: Buffer) => {
      if (stream === 'stderr' && opts.onStderr) guarded(() => opts.onStderr!(side, chunk))
    },
  })
  const failed = (side: PipeSide) => (err: unknown) => {
    c.fail(side, 'failed')
    throw err
  }
  const fromRun = runEnd('from', c.fromRelay, endOpts('from', opts.fromSudo)).then((r) => {
    c.sourceDone()
    return r
  }, failed('from'))
  const toRun = runEnd('to', c.toRelay, endOpts('to', opts.toSudo)).then((r) => {
    c.sinkDone()
    return r
  }, failed('to'))

  let reported = -1
  const report = () => {
    if (opts.onBytes && c.bytes !== reported) {
      reported = c.bytes
      guarded(() => opts.onBytes!(c.bytes))
    }
  }
  const idleMs = opts.idleTimeoutMs
  const ticker = setInterval(() => {
    report()
    if (idleMs && !c.first && !c.sinkFlushed && c.idleFor() > idleMs) c.fail(c.waitingForSink ? 'to' : 'from', 'idle')
  }, Math.min(TICK_MS, idleMs ?? TICK_MS))
  const [from, to] = await Promise.allSettled([fromRun, toRun])
  clearInterval(ticker)
  reported = -1
  report() // the last count, always
  const durationMs = Date.now() - started
  if (!c.first && from.status === 'fulfilled' && to.status === 'fulfilled') {
    return {
      bytes: c.bytes,
      from: { exitCode: from.value.exitCode ?? 0, stderr: from.value.stderr },
      to: { exitCode: to.value.exitCode ?? 0, stderr: to.value.stderr, stdout: to.value.stdout },
      durationMs,
    }
  }
  const failure = c.first ?? { side: from.status === 'rejected' ? 'from' : 'to', why: 'failed' }
  throw pipeError(ends, failure, { from, to }, { bytes: c.bytes, durationMs, idleTimeoutMs: idleMs })
}

/** A progress or output callback that throws must not break the copy. */
function guarded(f: () => void): void {
  try {
    f()
  } catch {
    // the caller's problem, not the copy's
  }
}
