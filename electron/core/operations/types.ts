// How an engine describes a multi-step action, and what the runner hands to each step.
import type { Arg } from '../ssh/quote'

export interface RemoteResult {
  stdout: string
  stderr: string
  code: number
}

export interface RemoteOptions {
  /** Data for the command's stdin (the place for secrets: never journaled, never shown). */
  stdin?: string
  timeoutMs?: number
  /** `true`: sudo -n as root; a string: sudo -n -u that user. */
  sudo?: boolean | string
}

/**
 * Runs one command on a host, argv only (no shell line is ever built from user input here).
 * Resolves with the exit code whatever it is; rejects only when the command could not be run
 * or finish (unreachable host, timeout), with an AppError.
 */
export interface RemoteRunner {
  run(host: string, argv: readonly Arg[], opts?: RemoteOptions): Promise<RemoteResult>
}

/** A command a step will run, as the dry run and confirmation dialog show it. */
export interface StepCommand {
  host: string
  argv: readonly Arg[]
  runAs?: string
  note?: string
}

export interface PlanContext<P> {
  operationId?: string
  clusterId: string
  params: P
  /** For reads only (e.g. which member is ahead); planning must change nothing. */
  remote: RemoteRunner
}

export interface StepContext<P> extends PlanContext<P> {
  operationId: string
  /** Aborted when the cluster lease is lost; long actions should stop promptly. */
  signal: AbortSignal
  /** 1 on the first run, 2+ on resumes and abandons of the same operation. */
  attempt: number
}

export interface ProgressReport {
  bytesDone?: number
  bytesTotal?: number
  message?: string
}

export type Report = (progress: ProgressReport) => void

export interface Step<P> {
  /** Stable across versions: the journal and fault hooks refer to it. `[a-z0-9-]+`. */
  id: string
  title: string
  hosts: readonly string[]
  /** Relative share of the operation's progress bar (default 1). */
  weight?: number
  /** The exact commands `run` will execute, per host. */
  plan(ctx: PlanContext<P>): readonly StepCommand[] | Promise<readonly StepCommand[]>
  /** Reads the servers: is this step's outcome already there? Called before every run. */
  check(ctx: StepContext<P>): Promise<boolean>
  /** Does it. Must be idempotent: it may be re-run after a crash at any point. */
  run(ctx: StepContext<P>, report: Report): Promise<void>
  /** Removes what this step made, including half-made things. Idempotent too. */
  undo?(ctx: StepContext<P>): Promise<void>
}

/** One operation to run: what, on which cluster, with what, in which steps. */
export interface OperationDefinition<P = unknown> {
  kind: string
  clusterId: string
  /** Shown in lists: "Create replica db2 from db1". */
  title: string
  /** Journaled as is: JSON values only, never secrets. */
  params: P
  /** Cluster members; the lease must be granted by a majority of them. */
  members: readonly string[]
  /** The one member it makes, removes, rejoins or fences, if it works on one (journaled, shown with that member). */
  member?: string
  steps: readonly Step<P>[]
  /**
   * The plan's first words: a few plain sentences (what changes, what is copied and how long
   * it should take, how long writes pause, what can be lost), with numbers where the engine
   * has them. May read (never change) the servers; a failed read says "unknown", it never
   * fails the plan. Kinds made with defineOperationKind must give it.
   */
  summary?(ctx: PlanContext<P>): readonly string[] | Promise<readonly string[]>
}

/**
 * Rebuilds an operation from its journal (to resume or abandon it after a restart): the
 * engine re-parses the params with its own schema and returns the same steps.
 */
export type OperationFactory = (saved: {
  clusterId: string
  params: unknown
  members: readonly string[]
}) => OperationDefinition<unknown> | Promise<OperationDefinition<unknown>>

/** Where the runner kills its own process (tests only): see fault.ts. */
export interface FaultPoint {
  when: 'before' | 'during' | 'after'
  stepId: string
}
