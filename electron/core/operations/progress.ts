// Turns the raw reports of steps ({ bytesDone, bytesTotal, message }) into what the UI shows:
// operation percent (weighted by step, never going back), smoothed rate and ETA of the
// current step, emitted at most every `intervalMs` plus on every step boundary.
import type { OperationProgress } from '../../../shared/operations'
import type { ProgressReport } from './types'

export interface ProgressOptions {
  /** One weight per step, in order. */
  weights: readonly number[]
  emit: (progress: OperationProgress) => void
  intervalMs?: number
  /** Time constant of the rate's exponential smoothing. */
  smoothingMs?: number
  /** Monotonic milliseconds. */
  clock?: () => number
  wallClock?: () => Date
}

// Shorter gaps between samples say more about timer jitter than about throughput.
const MIN_SAMPLE_MS = 100

interface StepState {
  index: number
  stepId: string
  startedAt: number
  bytesDone?: number
  bytesTotal?: number
  message?: string
  rate?: number
  lastSample?: { at: number; bytes: number }
}

export class ProgressTracker {
  private readonly total: number
  private readonly interval: number
  private readonly tau: number
  private readonly clock: () => number
  private readonly wall: () => Date
  private step: StepState | undefined
  private percent = 0
  private lastEmitAt = -Infinity
  private timer: ReturnType<typeof setTimeout> | undefined
  private latest: OperationProgress | undefined

  constructor(private readonly opts: ProgressOptions) {
    this.total = opts.weights.reduce((a, w) => a + w, 0) || 1
    this.interval = opts.intervalMs ?? 250
    this.tau = opts.smoothingMs ?? 3000
    this.clock = opts.clock ?? (() => performance.now())
    this.wall = opts.wallClock ?? (() => new Date())
  }

  /** The last progress computed (emitted or not). */
  get current(): OperationProgress | undefined {
    return this.latest
  }

  startStep(index: number, stepId: string): void {
    this.step = { index, stepId, startedAt: this.clock() }
    this.flush()
  }

  report(report: ProgressReport): void {
    const step = this.step
    if (!step) return
    const now = this.clock()
    if (report.message !== undefined) step.message = report.message
    if (report.bytesTotal !== undefined && report.bytesTotal >= 0) step.bytesTotal = report.bytesTotal
    if (report.bytesDone !== undefined && report.bytesDone >= 0) {
      this.sample(step, now, report.bytesDone)
      step.bytesDone = report.bytesDone
    }
    this.compute(false)
    if (now - this.lastEmitAt >= this.interval) this.flush()
    else this.timer ??= setTimeout(() => this.flush(), this.lastEmitAt + this.interval - now)
  }

  /** The step finished (done or skipped): its share counts in full. */
  endStep(): void {
    if (!this.step) return
    this.compute(true)
    this.flush()
    this.step = undefined
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
  }

  private sample(step: StepState, now: number, bytes: number): void {
    const last = step.lastSample ?? { at: step.startedAt, bytes: 0 }
    const dt = now - last.at
    if (dt < MIN_SAMPLE_MS || bytes < last.bytes) {
      if (bytes < last.bytes) step.lastSample = { at: now, bytes } // the step restarted its count
      return
    }
    const instant = ((bytes - last.bytes) * 1000) / dt
    const alpha = 1 - Math.exp(-dt / this.tau)
    step.rate = step.rate === undefined ? instant : step.rate + alpha * (instant - step.rate)
    step.lastSample = { at: now, bytes }
  }

  private compute(finished: boolean): void {
    const step = this.step
    if (!step) return
    const before = this.opts.weights.slice(0, step.index).reduce((a, w) => a + w, 0)
    const weight = this.opts.weights[step.index] ?? 1
    const known = step.bytesTotal !== undefined && step.bytesTotal > 0 && step.bytesDone !== undefined
    const stepPercent = finished ? 100 : known ? Math.min(100, (step.bytesDone! / step.bytesTotal!) * 100) : undefined
    const fraction = (stepPercent ?? 0) / 100
    this.percent = Math.min(100, Math.max(this.percent, ((before + weight * fraction) / this.total) * 100))
    const remaining = known ? Math.max(0, step.bytesTotal! - step.bytesDone!) : undefined
    const eta = finished ? 0 : remaining !== undefined && step.rate ? remaining / step.rate : undefined
    this.latest = {
      stepId: step.stepId,
      percent: floor(this.percent),
      ...(stepPercent !== undefined && { stepPercent: floor(stepPercent) }),
      ...(step.bytesDone !== undefined && { bytesDone: step.bytesDone }),
      ...(step.bytesTotal !== undefined && { bytesTotal: step.bytesTotal }),
      ...(step.rate !== undefined && { bytesPerSecond: Math.round(step.rate) }),
      ...(eta !== undefined && { etaSeconds: round(eta) }),
      ...(step.message !== undefined && { message: step.message }),
      at: this.wall().toISOString(),
    }
  }

  private flush(): void {
    this.dispose()
    if (!this.latest || this.latest.stepId !== this.step?.stepId) this.compute(false)
    if (!this.latest) return
    this.lastEmitAt = this.clock()
    // Stamped when sent: a report held back by the interval goes out later, and `at` says when.
    this.latest = { ...this.latest, at: this.wall().toISOString() }
    this.opts.emit(this.latest)
  }
}

const round = (n: number) => Math.round(n * 10) / 10
// Percentages round down, so 100 is shown only when the work is really complete.
const floor = (n: number) => Math.floor(n * 10) / 10
