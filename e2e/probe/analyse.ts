// The verdict of a run, from what the probe recorded and the ids found on the final primary.
// Pure, so it is unit-tested without a lab.
import type { Attempt, Span, SplitInstant } from './types'
import { wallClock } from './types'

export interface Gap {
  ms: number
  from: number
  to: number
  fromId: string
  toId: string
  fromMember: string
  toMember: string
}

export interface Overlap {
  members: [string, string]
  from: number
  to: number
}

export interface Phantom {
  id: string
  member: string
  why: 'never attempted' | 'recorded failed'
}

export interface Report {
  finalMember: string
  attempted: number
  acknowledged: number
  failed: number
  uncertain: number
  /** Still in flight when verified (0 after stop()). */
  pending: number
  /** Uncertain ids that did make it (either way is allowed). */
  uncertainPresent: number
  /** Acknowledged but missing on the final primary: must be empty. */
  lost: string[]
  /** Present but never attempted, or present though the write failed: must be empty. */
  phantom: Phantom[]
  /** Longest time between consecutive acknowledgements: the write unavailability. */
  longestGap: Gap | null
  firstAck: Record<string, { id: string; at: number }>
  /** Instants where the watcher saw two members writable: should be none. */
  overlaps: Overlap[]
  /** Writer ticks that saw several writable members (and wrote nowhere). */
  splits: SplitInstant[]
  /** Acknowledgements per member in buckets of bucketMs from `start`. */
  acksOverTime: { start: number; bucketMs: number; counts: Record<string, number[]> }
}

export interface AnalyseInput {
  finalMember: string
  attempts: readonly Attempt[]
  /** id → member column of every row of this run found on the final primary. */
  present: ReadonlyMap<string, string>
  timelines: Record<string, Span[]>
  splits: readonly SplitInstant[]
  start: number
  bucketMs?: number
}

export function analyse(i: AnalyseInput): Report {
  const byId = new Map(i.attempts.map((a) => [a.id, a]))
  const acks = i.attempts.filter((a) => a.outcome === 'acknowledged').sort((a, b) => a.doneAt! - b.doneAt!)
  const count = (o: Attempt['outcome']) => i.attempts.filter((a) => a.outcome === o).length
  const phantom: Phantom[] = []
  for (const [id, member] of i.present) {
    const a = byId.get(id)
    if (!a) phantom.push({ id, member, why: 'never attempted' })
    else if (a.outcome === 'failed') phantom.push({ id, member, why: 'recorded failed' })
  }
  const firstAck: Report['firstAck'] = {}
  for (const a of acks) firstAck[a.member] ??= { id: a.id, at: a.doneAt! }
  return {
    finalMember: i.finalMember,
    attempted: i.attempts.length,
    acknowledged: acks.length,
    failed: count('failed'),
    uncertain: count('uncertain'),
    pending: count(undefined),
    uncertainPresent: i.attempts.filter((a) => a.outcome === 'uncertain' && i.present.has(a.id)).length,
    lost: acks.filter((a) => !i.present.has(a.id)).map((a) => a.id),
    phantom,
    longestGap: longestGap(acks),
    firstAck,
    overlaps: overlaps(i.timelines),
    splits: [...i.splits],
    acksOverTime: buckets(acks, i.start, i.bucketMs ?? 100),
  }
}

function longestGap(acks: Attempt[]): Gap | null {
  let best: Gap | null = null
  for (let k = 1; k < acks.length; k++) {
    const a = acks[k - 1]!
    const b = acks[k]!
    const ms = b.doneAt! - a.doneAt!
    if (!best || ms > best.ms) best = { ms, from: a.doneAt!, to: b.doneAt!, fromId: a.id, toId: b.id, fromMember: a.member, toMember: b.member }
  }
  return best
}

/** Pairs of writable spans (first to last answer saying so) of different members that meet. */
export function overlaps(timelines: Record<string, Span[]>): Overlap[] {
  const names = Object.keys(timelines)
  const out: Overlap[] = []
  for (let x = 0; x < names.length; x++)
    for (let y = x + 1; y < names.length; y++)
      for (const a of timelines[names[x]!]!.filter((s) => s.state === 'writable'))
        for (const b of timelines[names[y]!]!.filter((s) => s.state === 'writable')) {
          const from = Math.max(a.from, b.from)
          const to = Math.min(a.to, b.to)
          if (from <= to) out.push({ members: [names[x]!, names[y]!], from, to })
        }
  return out.sort((p, q) => p.from - q.from)
}

function buckets(acks: Attempt[], start: number, bucketMs: number) {
  const counts: Record<string, number[]> = {}
  for (const a of acks) {
    const k = Math.max(0, Math.floor((a.doneAt! - start) / bucketMs))
    const row = (counts[a.member] ??= [])
    while (row.length <= k) row.push(0)
    row[k]!++
  }
  return { start, bucketMs, counts }
}

/** Time from t to the first write acknowledged by `member` after t (the failover benchmark). */
export function firstAckAfter(attempts: readonly Attempt[], member: string, t: number): { ms: number; id: string; at: number } | undefined {
  let first: Attempt | undefined
  for (const a of attempts) if (a.member === member && a.outcome === 'acknowledged' && a.doneAt! > t && (!first || a.doneAt! < first.doneAt!)) first = a
  return first && { ms: first.doneAt! - t, id: first.id, at: first.doneAt! }
}

/** One paragraph for test messages and bench output. */
export function describeReport(r: Report): string {
  const gap = r.longestGap
  const lines = [
    `on ${r.finalMember}: ${r.attempted} attempted, ${r.acknowledged} acknowledged, ${r.failed} failed, ${r.uncertain} uncertain (${r.uncertainPresent} present), ${r.pending} pending`,
    `lost ${r.lost.length}${r.lost.length ? ` (${r.lost.slice(0, 5).join(', ')}…)` : ''}, phantom ${r.phantom.length}${r.phantom.length ? ` (${r.phantom.slice(0, 5).map((p) => `${p.id} ${p.why}`).join(', ')})` : ''}`,
    gap ? `longest gap ${gap.ms.toFixed(0)} ms from ${wallClock(gap.from)} (${gap.fromMember}) to ${wallClock(gap.to)} (${gap.toMember})` : 'fewer than 2 acknowledgements',
    `first ack: ${Object.entries(r.firstAck).map(([m, f]) => `${m} ${wallClock(f.at)}`).join(', ') || 'none'}`,
    `overlaps ${r.overlaps.length}${r.overlaps.length ? ` (first ${r.overlaps[0]!.members.join('+')} at ${wallClock(r.overlaps[0]!.from)})` : ''}, split ticks ${r.splits.length}`,
  ]
  return lines.join('\n')
}
