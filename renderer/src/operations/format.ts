// How operations read in the UI: status labels and tones, the progress line (percent, MB/s,
// ETA, bytes), the commands of a plan as a reader would type them, and what the user may do
// with an operation in each state.
import { formatEta, formatRate, type OperationProgress, type OperationStatus, type OperationSummary, type PlannedCommand, type StepStatus } from '../../../shared/operations'
import { commandLine, shellWord } from '../activity/format'
import { formatBytes } from '../status/format'

export type Tone = 'ok' | 'busy' | 'warn' | 'bad' | 'none'

export const operationStatusLabels: Record<OperationStatus, string> = {
  planned: 'Starting',
  running: 'Running',
  abandoning: 'Abandoning',
  succeeded: 'Succeeded',
  failed: 'Failed',
  interrupted: 'Interrupted',
  abandoned: 'Abandoned',
}

export const operationStatusTones: Record<OperationStatus, Tone> = {
  planned: 'busy',
  running: 'busy',
  abandoning: 'busy',
  succeeded: 'ok',
  failed: 'bad',
  interrupted: 'warn',
  abandoned: 'none',
}

export const stepStatusLabels: Record<StepStatus, string> = {
  pending: 'Pending',
  running: 'Running',
  done: 'Done',
  skipped: 'Already done',
  failed: 'Failed',
  interrupted: 'Interrupted',
  undone: 'Undone',
  undo_failed: 'Undo failed',
}

export const stepStatusTones: Record<StepStatus, Tone> = {
  pending: 'none',
  running: 'busy',
  done: 'ok',
  skipped: 'ok',
  failed: 'bad',
  interrupted: 'warn',
  undone: 'none',
  undo_failed: 'bad',
}

/** Still doing something: its progress and steps change. */
export const isActive = (op: Pick<OperationSummary, 'status'>): boolean => op.status === 'planned' || op.status === 'running' || op.status === 'abandoning'

/** Stopped half way: the user decides whether to finish it or to undo what it made. */
export const needsDecision = (op: Pick<OperationSummary, 'status'>): boolean => op.status === 'interrupted' || op.status === 'failed'

export const canResume = needsDecision
export const canAbandon = needsDecision

export interface ProgressView {
  /** Whole percent of the operation, 0–100. */
  percent: number
  /** `12.3 MB/s`, only while the current step reports bytes. */
  rate: string | null
  /** `ETA 45 s`, only while the current step reports bytes. */
  eta: string | null
  /** `30.1 MB of 75.0 MB`, only while the current step reports bytes. */
  bytes: string | null
  message: string | null
}

export function progressView(p: OperationProgress | undefined, status: OperationStatus): ProgressView {
  // A finished operation's bar is full; a failed one stays where it stopped.
  const percent = status === 'succeeded' ? 100 : Math.max(0, Math.min(100, Math.floor(p?.percent ?? 0)))
  const active = status === 'running' || status === 'planned'
  const hasBytes = active && p?.bytesTotal !== undefined && p.bytesDone !== undefined
  return {
    percent,
    rate: active && p?.bytesPerSecond !== undefined ? formatRate(p.bytesPerSecond) : null,
    eta: active && p?.etaSeconds !== undefined ? `ETA ${formatEta(p.etaSeconds)}` : null,
    bytes: hasBytes ? `${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}` : null,
    message: active ? (p?.message ?? null) : null,
  }
}

/** A planned command as one line a reader could type: `sudo -n -u postgres` first when it runs as another user. */
export function plannedCommandLine(c: Pick<PlannedCommand, 'argv' | 'runAs'>): string {
  const line = commandLine(c.argv)
  return c.runAs ? `sudo -n -u ${shellWord(c.runAs)} ${line}` : line
}

export interface HostCommands {
  host: string
  commands: PlannedCommand[]
}

/** A step's commands grouped by host, hosts in the order they first appear. */
export function commandsByHost(commands: readonly PlannedCommand[]): HostCommands[] {
  const groups: HostCommands[] = []
  for (const c of commands) {
    const group = groups.find((g) => g.host === c.host)
    if (group) group.commands.push(c)
    else groups.push({ host: c.host, commands: [c] })
  }
  return groups
}

/** What a step's commands would destroy or refuse (the data-dir guard's reading): said even while the commands are folded. */
export const destructiveNotes = (commands: readonly PlannedCommand[]): string[] => commands.flatMap((c) => (c.note && /^(DELETES|REFUSED)\b/.test(c.note) ? [c.note] : []))

/** How long an operation ran (or has been running): `3.2 s`, `1 min 05 s`. */
export function elapsed(op: Pick<OperationSummary, 'startedAt' | 'endedAt' | 'createdAt'>, now: number): string {
  const start = Date.parse(op.startedAt ?? op.createdAt)
  const end = op.endedAt ? Date.parse(op.endedAt) : now
  if (Number.isNaN(start) || Number.isNaN(end)) return '–'
  const s = Math.max(0, (end - start) / 1000)
  if (s < 60) return `${s.toFixed(1)} s`
  const whole = Math.round(s)
  return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`
}

/**
 * The operations a cluster's card shows (newest first in, newest first out): the running and
 * undecided ones, and the newest one too when it has ended (what happened last stays in view,
 * also when an older one still waits for Resume or Abandon).
 */
export function cardOperations<T extends Pick<OperationSummary, 'status'>>(all: readonly T[]): T[] {
  const open = all.filter((op) => isActive(op) || needsDecision(op))
  const newest = all[0]
  return newest && !open.includes(newest) ? [newest, ...open] : open
}
