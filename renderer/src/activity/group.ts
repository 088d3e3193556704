// Routine repeats in the activity log, grouped: the status poll runs the same command on the
// same host every second or so, which would bury everything else (136 rows in 4 minutes).
// Entries with the same host, jump host, sudo, command line and outcome, each within `gapMs`
// of the next one, form a run; a run of at least `minRepeats` shows as one row with its count
// and its first and last time, where its newest entry would be. Shorter runs stay as they are,
// so a command the user ran once or twice is never hidden. Pure; input and output newest first.
import type { ActivityEntry } from '../../../shared/ssh'
import { commandLine, outcomeOf, sudoPrefix } from './format'

export const ROUTINE_GAP_MS = 30_000
export const ROUTINE_MIN_REPEATS = 3

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
  minRepeats?: number
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
  const minRepeats = o.minRepeats ?? ROUTINE_MIN_REPEATS
  // Pass 1, newest first: each entry joins its key's open run when it started within gapMs
  // before that run's oldest entry; otherwise it opens a new run for its key.
  interface Run {
    members: ActivityEntry[]
    oldestAt: number
  }
  const open = new Map<string, Run>()
  const runOf: Run[] = []
  for (const e of entries) {
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
  // Pass 2: a long run shows once, at its newest entry; short runs stay as single entries.
  const rows: ActivityRow[] = []
  const shown = new Set<Run>()
  entries.forEach((e, i) => {
    const run = runOf[i]!
    if (run.members.length < minRepeats) {
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
