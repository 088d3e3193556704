// The members a switchover or failover judged, as the UI shows them: one row of the assessment
// table, and the members the user may pick to promote. Both only display the core's answer (its
// plan's candidates, each with `excluded`: the one rule of who may be promoted, decided in the
// core); nothing here decides whether a member may be promoted. PostgreSQL judges members by WAL
// (an LSN, bytes behind); MariaDB by GTID (a position, transactions behind): the candidate's own
// fields say which. Pure.
import type { CandidateView } from '../../../shared/operations'
import { formatBytes } from '../status/format'

/** `caught up`, `2.5 MB behind`, or null when the core read no position. */
export function behindText(bytes: number | null): string | null {
  if (bytes === null) return null
  return bytes === 0 ? 'caught up' : `${formatBytes(bytes)} behind`
}

/** `caught up`, `3 transactions behind`, or null when the core read no position. */
export function behindTransactionsText(n: number | null | undefined): string | null {
  if (n === null || n === undefined) return null
  return n === 0 ? 'caught up' : `${n} transaction${n === 1 ? '' : 's'} behind`
}

/** A MariaDB candidate: judged by GTID (the core fills gtid / behindTransactions, never lsn / bytes). */
export const judgedByGtid = (c: CandidateView): boolean => c.behindTransactions !== undefined || c.gtid !== undefined

/** What a candidate's position column is headed: the WAL a PostgreSQL member received, the GTID a MariaDB one did. */
export function positionHeading(candidates: readonly CandidateView[]): string {
  return candidates.some(judgedByGtid) ? 'GTID received' : 'WAL received'
}

const behindOf = (c: CandidateView): string | null => (judgedByGtid(c) ? behindTransactionsText(c.behindTransactions) : behindText(c.behindBytes))
const positionOf = (c: CandidateView): string | null => (judgedByGtid(c) ? (c.gtid === undefined ? null : c.gtid.split(',').join(', ') || 'none') : c.lsn)
const syncOf = (c: CandidateView): string => (c.sync ? (judgedByGtid(c) ? 'semi-sync' : 'synchronous') : 'asynchronous')

export interface CandidateRow {
  name: string
  host: string
  /** The one the plan promotes. */
  chosen: boolean
  reachable: string
  /** The LSN (PostgreSQL) or GTID position (MariaDB) it received. */
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
    lsn: positionOf(c) ?? '–',
    behind: behindOf(c) ?? '–',
    sync: syncOf(c),
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
    const behind = behindOf(c)
    const note = [syncOf(c), `priority ${c.priority}`, ...(behind ? [behind] : [])].join(' · ')
    const why = c.excluded ?? null
    return { name: c.name, host: c.host, note, disabled: why !== null, why }
  })
}
