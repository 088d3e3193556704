// What the UI and the CLI see of operations (create replica, switchover, failover, rejoin,
// apply settings): the plan shown before anything runs, the summary of a journaled
// operation, and the events the core pushes while one runs. The journal file on disk holds
// more (process ids, undo bookkeeping); these shapes are the stable, public part.
import { z } from 'zod'
import { errorDataSchema } from './errors'

/** `20250612-101500-create-replica-3fa9`: sortable by start time, safe as a file name. */
export const operationId = z
  .string()
  .regex(/^[0-9]{8}-[0-9]{6}-[a-z][a-z0-9-]{0,40}-[0-9a-f]{4,16}$/, 'Not an operation id')

/** A kind names what the operation does; engines register one per multi-step action. */
export const operationKind = z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, 'Use lower-case letters, digits and dashes')

/**
 * planned: journaled, cluster lease held, no step started yet.
 * running: steps are executing in a live ReplicaDesk process.
 * abandoning: the undo of the steps that ran is executing.
 * succeeded / failed / abandoned: finished (a failed one may be resumed or abandoned).
 * interrupted: the process running it died; resume or abandon it.
 */
export const operationStatus = z.enum(['planned', 'running', 'abandoning', 'succeeded', 'failed', 'interrupted', 'abandoned'])
export type OperationStatus = z.infer<typeof operationStatus>

/**
 * pending: not reached yet. running: journaled before its action started.
 * done: its action finished. skipped: its check found it already done, nothing was run.
 * failed: its action threw (see error). interrupted: the process died while it ran.
 * undone: abandon ran its undo (or it had nothing to undo). undo_failed: that undo threw.
 */
export const stepStatus = z.enum(['pending', 'running', 'done', 'skipped', 'failed', 'interrupted', 'undone', 'undo_failed'])
export type StepStatus = z.infer<typeof stepStatus>

const isoTime = z.string()

/** One command exactly as a step will run it: an argv list, secrets shown as `***`. */
export const plannedCommand = z.object({
  host: z.string(),
  argv: z.array(z.string()).min(1),
  /** Runs as this user through `sudo -n -u`, when set. */
  runAs: z.string().optional(),
  /** Why, in a few words, when the argv alone does not say it. */
  note: z.string().optional(),
})
export type PlannedCommand = z.infer<typeof plannedCommand>

export const stepPlan = z.object({
  id: z.string(),
  title: z.string(),
  hosts: z.array(z.string()),
  commands: z.array(plannedCommand),
  /** The step can clean up after itself when the operation is abandoned. */
  undoable: z.boolean(),
})
export type StepPlan = z.infer<typeof stepPlan>

/**
 * What a promotion may cost, stated before it runs. none: the synchronous settings guarantee
 * the candidate has every acknowledged write; bound: at least `bytes` are missing, plus what
 * the primary wrote in the `seconds` since it was last seen; unknown: see `text`.
 */
export const dataLoss = z.object({
  kind: z.enum(['none', 'bound', 'unknown']),
  bytes: z.number().nonnegative().optional(),
  /** MariaDB: transactions missing (GTID distance), in place of bytes. */
  transactions: z.number().nonnegative().optional(),
  seconds: z.number().nonnegative().optional(),
  text: z.string(),
})
export type DataLoss = z.infer<typeof dataLoss>

/** One member as a switchover or failover judged it. */
export const candidateView = z.object({
  name: z.string(),
  host: z.string(),
  reachable: z.boolean(),
  /** WAL received (standby) or written (primary) as read just now. */
  lsn: z.string().nullable(),
  /** Bytes behind the most advanced member read (or the primary for a switchover). */
  behindBytes: z.number().nullable(),
  /** MariaDB: the GTID position received (a replica) or written (the primary), and transactions behind, in place of lsn and bytes. */
  gtid: z.string().optional(),
  behindTransactions: z.number().nullable().optional(),
  sync: z.boolean(),
  priority: z.number(),
  neverPromote: z.boolean(),
  /** Why it cannot be promoted, if it cannot. */
  excluded: z.string().optional(),
})
export type CandidateView = z.infer<typeof candidateView>

/** The judgement a role change shows with its plan: who, from whom, what it may cost. */
export const roleChangeAssessment = z.object({
  from: z.string().nullable(),
  to: z.string(),
  loss: dataLoss,
  candidates: z.array(candidateView),
  /** Things the user must know before confirming (each one sentence, with numbers). */
  warnings: z.array(z.string()),
  /** Why `to` was picked (or that the user picked it), ties included: "priority 1 is tried first; …". Absent in journals written before it existed. */
  reason: z.string().optional(),
})
export type RoleChangeAssessment = z.infer<typeof roleChangeAssessment>

/** One redundancy setting a settings change alters, as the plan states it. */
export const settingChange = z.object({
  setting: z.string(),
  from: z.string(),
  to: z.string(),
  /** Effective only after a restart of each member (rolled one at a time). */
  restart: z.boolean(),
  /** One sentence on what the new value means. */
  meaning: z.string().optional(),
})
export type SettingChange = z.infer<typeof settingChange>

/** A replica the settings change adds (where, and why there) or removes (which, and why that one). */
export const replicaCountAction = z.object({
  action: z.enum(['add', 'remove']),
  member: z.string(),
  host: z.string(),
  /** add: the new member's data dir and port. */
  dataDir: z.string().optional(),
  port: z.number().optional(),
  why: z.string(),
})
export type ReplicaCountAction = z.infer<typeof replicaCountAction>

/** What a settings change shows with its plan: every change, and whether it makes writes wait now. */
export const settingsAssessment = z.object({
  changes: z.array(settingChange),
  warnings: z.array(z.string()),
  /** The replicas wanted against those recorded: each add and remove this change runs, in order. */
  replicas: z.array(replicaCountAction).optional(),
  /** Set when the new synchronous setting cannot be met by the standbys streaming now: writes would wait (needs a second confirmation). */
  blocksWrites: z.string().optional(),
})
export type SettingsAssessment = z.infer<typeof settingsAssessment>

/** What a dry run returns and the confirmation dialog shows; nothing has run. */
export const operationPlan = z.object({
  kind: operationKind,
  clusterId: z.string(),
  title: z.string(),
  /** A few plain sentences before the commands: what changes, what is copied and how long it should take, how long writes pause, what can be lost. */
  summary: z.array(z.string()).min(1),
  /** Members whose majority must grant the cluster lease before the first step. */
  members: z.array(z.string()),
  steps: z.array(stepPlan),
  /** Switchover and failover: the candidate and the data at risk. */
  assessment: roleChangeAssessment.optional(),
  /** A settings change: what changes, and whether writes would wait. */
  settings: settingsAssessment.optional(),
})
export type OperationPlan = z.infer<typeof operationPlan>

/**
 * The latest progress of a running operation. `percent` covers the whole operation (steps
 * weighted) and never goes down; the byte fields, rate and ETA belong to the current step
 * and are present only when that step reports bytes.
 */
export const operationProgress = z.object({
  stepId: z.string(),
  percent: z.number().min(0).max(100),
  stepPercent: z.number().min(0).max(100).optional(),
  bytesDone: z.number().nonnegative().optional(),
  bytesTotal: z.number().nonnegative().optional(),
  /** Smoothed over the last few seconds; format with formatRate. */
  bytesPerSecond: z.number().nonnegative().optional(),
  /** Seconds until the current step finishes, at the smoothed rate. */
  etaSeconds: z.number().nonnegative().optional(),
  message: z.string().optional(),
  at: isoTime,
})
export type OperationProgress = z.infer<typeof operationProgress>

export const stepSummary = z.object({
  id: z.string(),
  title: z.string(),
  hosts: z.array(z.string()),
  status: stepStatus,
  startedAt: isoTime.optional(),
  endedAt: isoTime.optional(),
  error: errorDataSchema.optional(),
})
export type StepSummary = z.infer<typeof stepSummary>

export const operationSummary = z.object({
  id: operationId,
  kind: operationKind,
  clusterId: z.string(),
  title: z.string(),
  status: operationStatus,
  /** What the operation was asked to do (never secrets: they are not journaled). */
  params: z.unknown(),
  members: z.array(z.string()),
  /** The one member it makes, removes, rejoins or fences (shown with that member); absent for others and in older journals. */
  member: z.string().optional(),
  steps: z.array(stepSummary),
  progress: operationProgress.optional(),
  /** Why it failed (or why its abandon stopped). */
  error: errorDataSchema.optional(),
  /** The ReplicaDesk instance that runs / last ran it. */
  instanceId: z.string(),
  createdAt: isoTime,
  startedAt: isoTime.optional(),
  endedAt: isoTime.optional(),
  updatedAt: isoTime,
})
export type OperationSummary = z.infer<typeof operationSummary>

/**
 * Pushed by the core. `changed` carries the full summary after every status or step change
 * (small, and a client that missed one heals); `progress` at most every ~250 ms while a
 * step reports, plus on step boundaries.
 */
export const operationEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('changed'), operation: operationSummary }),
  z.object({ type: z.literal('progress'), operationId, clusterId: z.string(), progress: operationProgress }),
])
export type OperationEvent = z.infer<typeof operationEvent>

/**
 * Output of every method that starts an operation (`replica.create`, `cluster.switchover`…):
 * with `dryRun: true` in the input, the plan and nothing run; otherwise the operation as it
 * is once the cluster lease is held (its progress and end arrive as events).
 */
export const operationStartResult = z.discriminatedUnion('dryRun', [
  z.object({ dryRun: z.literal(true), plan: operationPlan }),
  z.object({ dryRun: z.literal(false), operation: operationSummary }),
])
export type OperationStartResult = z.infer<typeof operationStartResult>

/** Input of the methods that name one operation (get, resume, abandon). */
export const operationRef = z.object({ id: operationId })

/** `12.3 MB/s` (decimal megabytes, as disks and networks are sold). */
export function formatRate(bytesPerSecond: number | undefined): string {
  if (bytesPerSecond === undefined || !Number.isFinite(bytesPerSecond)) return '–'
  const mb = bytesPerSecond / 1e6
  return `${mb >= 100 ? mb.toFixed(0) : mb.toFixed(1)} MB/s`
}

/** `45 s`, `3 min 05 s`, `1 h 02 min`. */
export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '–'
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`
}
