// The members a switchover or failover judged, as the UI shows them: one row of the assessment
// table, and the members the user may pick to promote. Both only display the core's answer (its
// plan's candidates, each with `excluded`: the one rule of who may be promoted, decided in the
// core); nothing here decides whether a member may be promoted. Pure.
import type { CandidateView } from '../../../shared/operations'
import { formatBytes } from '../status/format'

/** `caught up`, `2.5 MB behind`, or null when the core read no position. */
export function behindText(bytes: number | null): string | null {
  if (bytes === null) return null
  return bytes === 0 ? 'caught up' : `${formatBytes(bytes)} behind`
}

export interface CandidateRow {
  name: string
  host: string
  /** The one the plan promotes. */
  chosen: boolean
  reachable: string
  lsn: string
  behind: string
  sync: string
  priority: string
  /** Why the core does not promote it, or empty. */
  note: string
  /** The core excludes it: shown muted. */
  out: boolean
}

export function candidateRow(c: CandidateView, target: string): CandidateRow {
  return {
    name: c.name,
    host: c.host,
    chosen: c.name === target,
    reachable: c.reachable ? 'yes' : 'no',
    lsn: c.lsn ?? '–',
    behind: behindText(c.behindBytes) ?? '–',
    sync: c.sync ? 'synchronous' : 'asynchronous',
    priority: String(c.priority),
    note: c.excluded ?? '',
    out: c.excluded !== undefined,
  }
}

export interface TargetChoice {
  name: string
  host: string
  /** `synchronous · priority 100 · caught up`, as the core read it. */
  note: string
  disabled: boolean
  /** Why it cannot be picked (the core's reason), when disabled. */
  why: string | null
}

/**
 * The members the user may pick to promote: the core's candidates from its last plan, in its
 * order, the ones it excludes disabled with its reason. Before the core has answered there is
 * no list (only its own pick is offered).
 */
export function targetChoices(candidates: readonly CandidateView[] | null): TargetChoice[] {
  return (candidates ?? []).map((c) => {
    const behind = behindText(c.behindBytes)
    const note = [c.sync ? 'synchronous' : 'asynchronous', `priority ${c.priority}`, ...(behind ? [behind] : [])].join(' · ')
    const why = c.excluded ?? null
    return { name: c.name, host: c.host, note, disabled: why !== null, why }
  })
}
