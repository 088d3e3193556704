// The error of a failed copy between hosts (pipe.ts): both hosts, the end that failed and how
// (its exit code and stderr tail, a time limit, no data moving), what became of the other
// end, and what the user can do.
import { AppError } from '../../../shared/errors'
import { tail, type ExecResult } from './exec'
import { redactArgv } from './quote'
import type { PipeEnd, PipeSide } from './pipe'

type Settled = PromiseSettledResult<ExecResult>

/** Why the copy failed: an end's own failure, no byte moving, or the sink ending before EOF. */
export type PipeFailure = { side: PipeSide; why: 'failed' | 'idle' | 'early' }

export const otherSide = (side: PipeSide): PipeSide => (side === 'from' ? 'to' : 'from')

const shown = (end: PipeEnd) => redactArgv(end.argv).join(' ').slice(0, 120)

const isStopped = (e: unknown) => e instanceof AppError && (e.detail as { stopped?: boolean } | undefined)?.stopped === true

function size(bytes: number): string {
  return bytes < 1024 * 1024 ? `${bytes} bytes` : `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

/** The facts of one end for `detail`. */
function endDetail(end: PipeEnd, s: Settled) {
  const d = s.status === 'rejected' && s.reason instanceof AppError ? (s.reason.detail as Record<string, unknown> | undefined) : undefined
  const r = s.status === 'fulfilled' ? s.value : undefined
  return {
    host: end.label,
    argv: redactArgv(end.argv),
    exitCode: r ? r.exitCode : (d?.exitCode ?? null),
    signal: d?.signal,
    stderrTail: r ? tail(r.stderr) : ((d?.stderrTail as string | undefined) ?? ''),
    stopped: isStopped(s.status === 'rejected' ? s.reason : undefined) || undefined,
  }
}

/** What became of the end that did not fail first. */
function otherNote(end: PipeEnd, s: Settled): string {
  if (s.status === 'fulfilled') return `"${shown(end)}" on ${end.label} had finished.`
  if (isStopped(s.reason)) return `"${shown(end)}" on ${end.label} was stopped as well.`
  return s.reason instanceof Error ? s.reason.message : String(s.reason)
}

function failedWhat(ends: Record<PipeSide, PipeEnd>, f: PipeFailure, settled: Record<PipeSide, Settled>, idleTimeoutMs?: number): { code: AppError['code']; what: string } {
  const bad = ends[f.side]
  const s = settled[f.side]
  const rest = otherNote(ends[otherSide(f.side)], settled[otherSide(f.side)])
  if (f.why === 'idle') {
    const secs = (idleTimeoutMs ?? 0) / 1000
    const stall = f.side === 'to' ? `stopped reading its input for ${secs} s (a full disk, or a stuck program?)` : `sent nothing for ${secs} s (stuck, or waiting for something?)`
    return { code: 'ssh_timeout', what: `"${shown(bad)}" on ${bad.label} ${stall}. Both ends were stopped.` }
  }
  if (f.why === 'early') {
    const exit = s.status === 'fulfilled' ? s.value.exitCode : null
    return { code: 'command_failed', what: `"${shown(bad)}" on ${bad.label} ended (exit ${exit}) before it had read all the data. ${rest}` }
  }
  const e = s.status === 'rejected' ? s.reason : undefined
  const code = e instanceof AppError && !isStopped(e) ? e.code : 'command_failed'
  return { code, what: `${e instanceof Error ? e.message : 'It ended without an exit status.'} ${rest}` }
}

export function pipeError(ends: Record<PipeSide, PipeEnd>, f: PipeFailure, settled: Record<PipeSide, Settled>, facts: { bytes: number; durationMs: number; idleTimeoutMs?: number }): AppError {
  const bad = ends[f.side]
  const head = `Copying from ${ends.from.label} to ${ends.to.label} failed after ${size(facts.bytes)} (the ${f.side === 'from' ? 'source' : 'destination'} side, ${bad.label}):`
  const { code, what } = failedWhat(ends, f, settled, facts.idleTimeoutMs)
  const todo =
    code === 'ssh_timeout' && f.why !== 'idle' ? 'If the copy is only slow, give it a longer time limit; otherwise check the host named above.'
    : code === 'ssh_connect' ? 'Check that host and the network, then start the copy again.'
    : `Fix what ${bad.label} reports, clear the partial copy on ${ends.to.label} and start again.`
  return new AppError(code, `${head} ${what} ${todo}`, {
    side: f.side,
    reason: f.why,
    bytes: facts.bytes,
    durationMs: facts.durationMs,
    from: endDetail(ends.from, settled.from),
    to: endDetail(ends.to, settled.to),
  })
}
