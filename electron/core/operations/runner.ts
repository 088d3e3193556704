// Executes one claimed operation (journal says it is ours, the cluster lease is held):
// forward, checking each step before running it, or backward, undoing what it started.
// Every step is journaled before and after; progress and changes go out as events.
import { toErrorData, type ErrorData } from '../../../shared/errors'
import type { OperationEvent, OperationProgress, OperationSummary } from '../../../shared/operations'
import { maybeCrash } from './fault'
import { toSummary, type Journal, type OperationRecord, type StepRecord } from './journal'
import type { ClusterLease } from './lease'
import { ProgressTracker } from './progress'
import type { FaultPoint, OperationDefinition, ProgressReport, RemoteRunner, StepContext } from './types'

export interface ExecutionEnv {
  journal: Journal
  remote: RemoteRunner
  emit: (event: OperationEvent) => void
  fault?: FaultPoint
  progressIntervalMs?: number
  /** The journal keeps the last progress; written at most this often (plus at step ends). */
  persistProgressEveryMs?: number
}

const now = () => new Date().toISOString()

class Execution {
  private readonly abort = new AbortController()
  private pendingWrite: Promise<unknown> = Promise.resolve()
  private lastPersist = 0

  constructor(
    private readonly env: ExecutionEnv,
    private readonly def: OperationDefinition<unknown>,
    private readonly lease: ClusterLease,
    private readonly id: string,
    private readonly attempt: number,
  ) {}

  private context(): StepContext<unknown> {
    const { def } = this
    return { operationId: this.id, clusterId: def.clusterId, params: def.params, remote: this.env.remote, signal: this.abort.signal, attempt: this.attempt }
  }

  private async write(change: (r: OperationRecord) => OperationRecord): Promise<OperationSummary> {
    const summary = toSummary(await this.env.journal.update(this.id, change))
    this.env.emit({ type: 'changed', operation: summary })
    return summary
  }

  private setStep(index: number, fields: Partial<StepRecord>, op: Partial<OperationRecord> = {}) {
    return this.write((r) => ({ ...r, ...op, steps: r.steps.map((s, i) => (i === index ? { ...s, ...fields } : s)) }))
  }

  private throwIfLost(): void {
    if (this.lease.lost) throw this.lease.lost
  }

  private persistProgress(progress: OperationProgress): void {
    const t = Date.now()
    if (t - this.lastPersist < (this.env.persistProgressEveryMs ?? 2000)) return
    this.lastPersist = t
    // Only the progress field: never races the step writes (all go through the journal lock).
    this.pendingWrite = this.pendingWrite.then(() => this.env.journal.update(this.id, (r) => ({ ...r, progress })).catch(() => undefined))
  }

  async forward(): Promise<OperationSummary> {
    const { def, env } = this
    const tracker = new ProgressTracker({
      weights: def.steps.map((s) => s.weight ?? 1),
      intervalMs: env.progressIntervalMs,
      emit: (progress) => {
        env.emit({ type: 'progress', operationId: this.id, clusterId: def.clusterId, progress })
        this.persistProgress(progress)
      },
    })
    this.lease.keepAlive((err) => this.abort.abort(err))
    const ctx = this.context()
    let current = -1
    try {
      for (const [index, step] of def.steps.entries()) {
        this.throwIfLost()
        current = index
        tracker.startStep(index, step.id)
        if (await step.check(ctx)) {
          await this.setStep(index, { status: 'skipped', endedAt: now() }, { status: 'running' })
          tracker.endStep()
          current = -1
          continue
        }
        await this.setStep(index, { status: 'running', startedAt: now(), endedAt: undefined, pid: process.pid, touched: true, error: undefined }, { status: 'running' })
        maybeCrash(env.fault, 'before', step.id)
        let reported = false
        const report = (p: ProgressReport) => {
          if (!reported) {
            reported = true
            maybeCrash(env.fault, 'during', step.id)
          }
          tracker.report(p)
        }
        await step.run(ctx, report)
        maybeCrash(env.fault, 'after', step.id)
        tracker.endStep()
        await this.setStep(index, { status: 'done', endedAt: now() }, { progress: tracker.current })
        current = -1 // a failure from here on belongs to the operation, not to this step
      }
      await this.pendingWrite
      return await this.write((r) => ({ ...r, status: 'succeeded', endedAt: now(), progress: tracker.current }))
    } catch (err) {
      const error = toErrorData(err)
      await this.pendingWrite
      return await this.write((r) => ({
        ...r,
        status: 'failed',
        error,
        endedAt: now(),
        progress: tracker.current,
        steps: r.steps.map((s, i) => (i === current ? { ...s, status: 'failed', error, endedAt: now() } : s)),
      }))
    } finally {
      tracker.dispose()
    }
  }

  /** Undoes, in reverse order, every step this operation started and has not undone yet. */
  async backward(record: OperationRecord): Promise<OperationSummary> {
    const ctx = this.context()
    this.lease.keepAlive((err) => this.abort.abort(err))
    const todo = record.steps.map((s, i) => ({ s, i })).filter(({ s }) => s.touched && s.status !== 'undone').reverse()
    for (const { i } of todo) {
      const step = this.def.steps[i]!
      try {
        this.throwIfLost()
        if (step.undo) await step.undo(ctx)
        await this.setStep(i, { status: 'undone', endedAt: now(), error: undefined })
      } catch (err) {
        const error: ErrorData = toErrorData(err)
        const stopped = { ...error, message: `Abandon stopped: undoing "${step.title}" failed: ${error.message} Fix the cause, then abandon again.` }
        return this.setStep(i, { status: 'undo_failed', error, endedAt: now() }, { status: 'failed', error: stopped, endedAt: now() })
      }
    }
    return this.write((r) => ({ ...r, status: 'abandoned', endedAt: now() }))
  }
}

export async function executeForward(env: ExecutionEnv, def: OperationDefinition<unknown>, lease: ClusterLease, record: OperationRecord): Promise<OperationSummary> {
  return new Execution(env, def, lease, record.id, record.attempts).forward()
}

export async function executeBackward(env: ExecutionEnv, def: OperationDefinition<unknown>, lease: ClusterLease, record: OperationRecord): Promise<OperationSummary> {
  return new Execution(env, def, lease, record.id, record.attempts).backward(record)
}
