// How the CLI shows operations: a plan (dry run) as its summary, steps and (--verbose) exact commands, and a
// running operation as a progress line on a terminal (plain lines elsewhere) until it ends.
import { formatEta, formatRate, operationStartResult, operationSummary, type OperationPlan, type OperationSummary } from '../../shared/operations'
import { AppError, errorDataSchema } from '../../shared/errors'
import { TRANSPORT_CLOSED, type CliSession } from './session'
import { escapeControls } from '../../shared/terminal-text'

const shellWord = (w: string) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)

export interface PlanFormat {
  /** A dry run (says that nothing changed, lists the step titles). */
  dryRun?: boolean
  /** Every step with its exact commands. */
  verbose?: boolean
}

/**
 * A plan as the CLI shows it: the summary first (plain sentences), then who and what it may
 * cost for a role change; the step titles on a dry run; the commands only with --verbose. What
 * a step would destroy (the data-dir guard's reading) is always said, never only implied by a
 * command.
 */
export function formatPlan(plan: OperationPlan, how: PlanFormat = { dryRun: true }): string {
  const lines = [how.dryRun ? `${plan.title} (dry run: nothing was changed)` : plan.title, '', ...plan.summary.map((s) => `  ${s}`), '']
  const a = plan.assessment
  if (a) {
    lines.push(`From ${a.from ?? 'unknown'} to ${a.to}.`, `Expected data loss: ${a.loss.text}`)
    if (a.reason) lines.push(`Why ${a.to}: ${a.reason}.`)
    for (const w of a.warnings) lines.push(`WARNING: ${w}`)
    for (const c of a.candidates) lines.push(`  ${c.name === a.to ? '→' : ' '} ${c.name.padEnd(16)} ${(c.lsn ?? '–').padEnd(14)} ${c.behindBytes === null ? '' : `${c.behindBytes} bytes behind`}${c.sync ? ' sync' : ''} priority ${c.priority}${c.excluded ? `  (${c.excluded})` : ''}`)
    lines.push('')
  }
  const destroys = (step: OperationPlan['steps'][number]) => step.commands.filter((c) => c.note && /^(DELETES|REFUSED)\b/.test(c.note)).map((c) => `       !! ${c.note}`)
  if (how.verbose || how.dryRun) {
    plan.steps.forEach((step, i) => {
      lines.push(`${i + 1}. ${step.title}  [${step.hosts.join(', ')}]`)
      if (how.verbose) for (const c of step.commands) lines.push(`     ${c.host}$ ${c.argv.map(shellWord).join(' ')}`)
      lines.push(...destroys(step))
    })
  } else {
    lines.push(...plan.steps.flatMap(destroys))
  }
  const one = plan.steps.length === 1
  if (!how.verbose) lines.push(`(${one ? '1 step' : `${plan.steps.length} steps`}: add --verbose to see ${how.dryRun ? (one ? 'its' : 'their') : one ? 'it with its' : 'each with its'} exact commands${how.dryRun ? '' : ', or --dry-run for the step list'}.)`)
  return lines.join('\n')
}

const finalStatuses = new Set(['succeeded', 'failed', 'interrupted', 'abandoned'])

export function isStartedOperation(value: unknown): OperationSummary | undefined {
  const r = operationStartResult.safeParse(value)
  if (r.success) return r.data.dryRun ? undefined : r.data.operation
  const op = operationSummary.safeParse(value) // resume / abandon return the summary itself
  return op.success && !finalStatuses.has(op.data.status) ? op.data : undefined
}

export interface ProgressOutput {
  isTerminal: boolean
  write(text: string): void
}

/** Follows events until the operation ends; returns its last summary. Subscribe before the call that starts it. */
export function followOperations(session: CliSession, out: ProgressOutput) {
  const latest = new Map<string, OperationSummary>()
  const waiters = new Map<string, { done: (op: OperationSummary) => void; lost: (err: AppError) => void }>()
  let shownStep = ''
  const stop = session.onEvent((name, payload) => {
    if (name === TRANSPORT_CLOSED) {
      const why = errorDataSchema.safeParse(payload)
      const err = why.success ? AppError.fromData(why.data) : new AppError('transport', 'The connection to the running ReplicaDesk closed.')
      for (const [id, w] of waiters) w.lost(new AppError('transport', `${err.message} Operation ${id} may still be running there: see \`replicadesk operation get ${id}\`.`, { operationId: id }))
      waiters.clear()
      return
    }
    const p = payload as { operation?: unknown; operationId?: string; progress?: { percent: number; stepId: string; bytesPerSecond?: number; etaSeconds?: number; message?: string } }
    if (name === 'operationChanged') {
      const op = operationSummary.safeParse(p.operation)
      if (!op.success) return
      latest.set(op.data.id, op.data)
      if (finalStatuses.has(op.data.status)) waiters.get(op.data.id)?.done(op.data)
    } else if (name === 'operationProgress' && p.progress && waiters.has(p.operationId ?? '')) {
      const pr = p.progress
      if (out.isTerminal) {
        const width = 30
        const filled = Math.round((pr.percent / 100) * width)
        const rate = pr.bytesPerSecond !== undefined ? ` ${formatRate(pr.bytesPerSecond)}` : ''
        const eta = pr.etaSeconds !== undefined ? ` ETA ${formatEta(pr.etaSeconds)}` : ''
        out.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${pr.percent.toFixed(0).padStart(3)}%${rate}${eta}  ${escapeControls(pr.stepId)}\u001b[K`)
      } else if (pr.stepId !== shownStep) {
        shownStep = pr.stepId
        out.write(`${pr.percent.toFixed(0)}% ${escapeControls(pr.stepId)}${pr.message ? `: ${escapeControls(pr.message)}` : ''}\n`)
      }
    }
  })
  return {
    stop,
    wait(op: OperationSummary): Promise<OperationSummary> {
      const seen = latest.get(op.id)
      if (seen && finalStatuses.has(seen.status)) return Promise.resolve(seen)
      return new Promise((resolve, reject) =>
        waiters.set(op.id, {
          done: (done) => {
            if (out.isTerminal) out.write('\n')
            resolve(done)
          },
          lost: reject,
        }),
      )
    },
  }
}
