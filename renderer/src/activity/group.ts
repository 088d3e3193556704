// Routine repeats in the activity log, grouped: the status poll (and what it sets off) runs the
// same commands on the same hosts again and again, which would bury everything else (136 rows
// in 4 minutes). The core says who ran each command (`origin`): the status poll's entries
// ('status') with the same host, jump host, sudo, command line and outcome, each within `gapMs`
// of the next one, form a run that shows as one row with its count and its first and last
// time, where its newest entry would be. Every other entry (an operation's step, a host test,
// what the user asked for, older entries that name no origin) stays a row of its own, however
// often it repeats. Pure; input and output newest first.
import type { ActivityEntry } from '../../../shared/ssh'
import { commandLine, outcomeOf, sudoPrefix } from './format'

export const ROUTINE_GAP_MS = 30_000

/** Folded by default: the status poll's own commands. */
export const isRoutine = (e: ActivityEntry): boolean => e.origin === 'status'

export interface ActivityRow {
  /** Stable while the run grows: the id of its oldest entry. */
  key: string
  /** The newest entry of the row (the only one for a single entry). */
  entry: ActivityEntry
  /** How many entries the row stands for (1: a single entry). */
  count: number
  /** When the oldest and the newest of them started. */
  firstAt: string
  lastAt: string
}

export interface GroupOptions {
  gapMs?: number
}

/** Two entries are repeats of each other when this is equal. */
export function repeatKey(e: ActivityEntry): string {
  return [e.host, e.via ?? '', sudoPrefix(e.sudo), commandLine(e.argv), outcomeOf(e).label].join('\u0000')
}

const single = (e: ActivityEntry): ActivityRow => ({ key: e.id, entry: e, count: 1, firstAt: e.startedAt, lastAt: e.startedAt })

/** Every entry as its own row (the "show every entry" switch). */
export const ungrouped = (entries: readonly ActivityEntry[]): ActivityRow[] => entries.map(single)

export function groupRoutine(entries: readonly ActivityEntry[], o: GroupOptions = {}): ActivityRow[] {
  const gapMs = o.gapMs ?? ROUTINE_GAP_MS
  // Pass 1, newest first: each routine entry joins its key's open run when it started within
  // gapMs before that run's oldest entry; otherwise it opens a new run for its key.
  interface Run {
    members: ActivityEntry[]
    oldestAt: number
  }
  const open = new Map<string, Run>()
  const runOf: (Run | null)[] = []
  for (const e of entries) {
    if (!isRoutine(e)) {
      runOf.push(null)
      continue
    }
    const key = repeatKey(e)
    const at = Date.parse(e.startedAt)
    let run = open.get(key)
    if (!run || Number.isNaN(at) || Number.isNaN(run.oldestAt) || run.oldestAt - at > gapMs) {
      run = { members: [], oldestAt: at }
      open.set(key, run)
    }
    run.members.push(e)
    run.oldestAt = Math.min(run.oldestAt, at)
    runOf.push(run)
  }
  // Pass 2: a run shows once, at its newest entry; everything else as it is.
  const rows: ActivityRow[] = []
  const shown = new Set<Run>()
  entries.forEach((e, i) => {
    const run = runOf[i]
    if (!run || run.members.length < 2) {
      rows.push(single(e))
      return
    }
    if (shown.has(run)) return
    shown.add(run)
    const oldest = run.members[run.members.length - 1]!
    rows.push({ key: `run:${oldest.id}`, entry: run.members[0]!, count: run.members.length, firstAt: oldest.startedAt, lastAt: run.members[0]!.startedAt })
  })
  return rows
}
