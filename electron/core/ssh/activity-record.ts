// Every remote command goes to the activity log: where, what (secrets redacted), how long,
// how it ended, and who made it run (activity/origin.ts). Recording never changes a command's
// outcome: a failing log is ignored.
import { AppError } from '../../../shared/errors'
import type { ActivityInput } from '../activity/activity-log'
import { currentOrigin } from '../activity/origin'
import type { ExecOptions, ExecResult } from './exec'
import { redactArgv, type Arg } from './quote'
import type { ResolvedTarget } from './target'

export interface ActivitySink {
  record(entry: ActivityInput): unknown
}

type CommandRecorder = (t: ResolvedTarget, argv: readonly Arg[], opts: ExecOptions, started: Date, result?: ExecResult, error?: unknown) => void

export function commandRecorder(log: ActivitySink | undefined): CommandRecorder {
  return (t, argv, opts, started, result, error) => {
    if (!log) return
    try {
      log.record({
        host: t.label,
        via: t.jump?.label,
        argv: redactArgv(argv),
        sudo: opts.sudo || undefined,
        startedAt: started.toISOString(),
        durationMs: Date.now() - started.getTime(),
        exitCode: result ? result.exitCode : ((error as AppError | undefined)?.detail as { exitCode?: number | null } | undefined)?.exitCode ?? null,
        errorCode: error instanceof AppError ? error.code : error ? 'internal' : undefined,
        truncated: result && (result.truncated.stdout || result.truncated.stderr) ? true : undefined,
        origin: currentOrigin(),
      })
    } catch {
      // the activity log must never turn a command's outcome into another one
    }
  }
}
