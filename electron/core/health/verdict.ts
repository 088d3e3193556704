// The verdict: the engine's survival numbers, the single points of failure, and the state
// (`replicadesk health` exits 5 unless healthy). Pure.
import type { HealthFinding, HealthVerdict, Survival } from '../../../shared/health'
import type { ClusterStatus, DiskStatus } from '../../../shared/status'
import { findings, type FindingsInput } from './findings'

export function verdict(i: FindingsInput & { survival: { noLoss: Survival; writes: Survival } }, at = new Date()): HealthVerdict {
  const found = findings(i)
  // Writes that stop at the next failure are a single point of failure too (FIRST k of k, one replica left…).
  if (i.status.primary && i.record.members.length > 1 && i.survival.writes.failures === 0 && !found.some((f) => f.id === 'sync-unmet')) {
    found.splice(found.length - 1, 0, { id: 'writes-spof', severity: 'warning', text: `One more member failure stops writes: ${i.survival.writes.why}`, fix: i.advice?.writesSpof ?? 'Add a replica, or require fewer synchronous confirmations (settings --sync-num, or ANY instead of FIRST).' })
  }
  const bad = found.some((f) => f.severity !== 'info')
  return { cluster: i.record.id, at: at.toISOString(), state: bad ? 'degraded' : 'healthy', noLoss: i.survival.noLoss, writes: i.survival.writes, findings: found, serviceAddress: i.address ?? null }
}

/** Before the first status: nothing is known, nothing is claimed. */
export function unknownVerdict(cluster: string, at = new Date()): HealthVerdict {
  const why = 'no live status yet'
  return { cluster, at: at.toISOString(), state: 'unknown', noLoss: { failures: 0, why }, writes: { failures: 0, why }, findings: [], serviceAddress: null }
}

/** What got worse from `before` to `after`: new findings that are not info, and lower survival numbers. */
export function worsening(before: HealthVerdict | undefined, after: HealthVerdict): { findings: HealthFinding[]; survival: string[] } {
  const known = new Set(before?.findings.map((f) => f.id) ?? [])
  const fresh = after.findings.filter((f) => f.severity !== 'info' && !known.has(f.id))
  const survival: string[] = []
  if (before && before.state !== 'unknown') {
    if (after.noLoss.failures < before.noLoss.failures) survival.push(`survives ${after.noLoss.failures} failure(s) without losing a write (was ${before.noLoss.failures})`)
    if (after.writes.failures < before.writes.failures) survival.push(`survives ${after.writes.failures} failure(s) and keeps writing (was ${before.writes.failures})`)
  }
  return { findings: fresh, survival }
}

/** Growth of each slot's retained WAL between two snapshots (bytes per second; never negative). */
export function slotGrowth(prev: ClusterStatus | undefined, next: ClusterStatus): Map<string, number> {
  const out = new Map<string, number>()
  if (!prev) return out
  const dt = (Date.parse(next.at) - Date.parse(prev.at)) / 1000
  if (!(dt > 0)) return out
  const slotsOf = (s: ClusterStatus) => new Map([...s.members.flatMap((m) => (m.slot ? [m.slot] : [])), ...s.otherSlots].map((x) => [x.name, x.retainedBytes]))
  const a = slotsOf(prev)
  for (const [name, bytes] of slotsOf(next)) {
    const was = a.get(name)
    if (bytes !== null && bytes !== undefined && was !== null && was !== undefined) out.set(name, Math.max(0, (bytes - was) / dt))
  }
  return out
}

/**
 * Bytes per second the primary's free space fell, from its df readings among the snapshots
 * (df runs on a slower period than the status: readings are compared, not snapshots): the
 * faster of the fall over the longest span there is and over the last `minSpanMs` or more. The
 * free space falls in steps (a WAL segment is allocated whole, 16 MB) and its pace changes (spare
 * segments recycled first, then new ones): the faster figure makes a warning early, never late.
 */
export function diskFill(snapshots: readonly ClusterStatus[], minSpanMs: number): number | undefined {
  const primary = snapshots.at(-1)?.primary
  if (!primary) return undefined
  const readings: DiskStatus[] = []
  for (const s of snapshots) {
    const d = s.primary === primary ? s.members.find((m) => m.name === primary)?.disk : undefined
    if (d) readings.push(d)
  }
  const byTime = readings.sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
  const last = byTime.at(-1)
  if (!last) return undefined
  const fall = (from: DiskStatus) => (from.freeBytes - last.freeBytes) / ((Date.parse(last.at) - Date.parse(from.at)) / 1000)
  const spans = byTime.filter((d) => Date.parse(last.at) - Date.parse(d.at) >= minSpanMs)
  if (spans.length === 0) return undefined
  return Math.max(0, fall(spans[0]!), fall(spans.at(-1)!))
}
