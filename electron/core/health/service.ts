// One verdict per cluster, recomputed when its live status changes (never two computations of
// a cluster in flight: a change during one schedules one more), published as `healthChanged`;
// what got worse is notified once per new finding, on the cluster's notification URL too.
import type { HealthHistory, HealthVerdict, HealthWorse, Survival } from '../../../shared/health'
import type { ClusterStatus } from '../../../shared/status'
import type { SettingsDrift } from '../engines/engine'
import type { FindingsInput, HealthRecord } from './findings'
import { VerdictHistory, type HistoryLimits } from './history'
import type { HostFactsReader } from './host-facts'
import { sendNotification, type Fetch } from './notify'
import { diskFill, slotGrowth, unknownVerdict, verdict, worsening } from './verdict'

export interface HealthServiceOptions<C extends HealthRecord> {
  record(id: string): Promise<C | null>
  /** The live snapshot, or one read now where nothing collects (a standalone CLI). */
  status(id: string): Promise<ClusterStatus | null>
  /** The engine's part: survival numbers and an unmet synchronous requirement. */
  survival(c: C, s: ClusterStatus): { noLoss: Survival; writes: Survival }
  syncUnmet(c: C, s: ClusterStatus): string | undefined
  /** Data dirs by host, then by member. */
  dataDirs(c: C): Map<string, Record<string, string>>
  notifyUrl(c: C): string | undefined
  /** The engine's words where a fix names its tools (default: PostgreSQL's). */
  advice?(c: C): FindingsInput['advice']
  /** Drift of the managed settings (read at most every few seconds: the service caches nothing itself). */
  drift?(c: C): Promise<SettingsDrift | undefined>
  /** Who holds the cluster's service address now, when it has one. */
  addressHolders?(c: C): Promise<{ address: string; holders: string[]; unknown: string[] } | undefined>
  domains(): Promise<Map<string, string | undefined>>
  facts: HostFactsReader
  emit(verdict: HealthVerdict, worse: HealthWorse | null): void
  log(message: string): void
  fetch?: Fetch
  /** Slot growth is measured over at least this long (default 30 s). */
  growthWindowMs?: number
  /** How much verdict history is kept per cluster (default: 900 s, 901 entries). */
  history?: HistoryLimits
}

export interface HealthService {
  /** The latest verdict (computed now when there is none yet). */
  get(id: string): Promise<HealthVerdict>
  /** A status change of the cluster: recompute (coalesced). */
  changed(id: string): void
  /** How the verdict changed over the last `seconds` (what this process computed). */
  history(id: string, seconds: number): HealthHistory
  forget(id: string): void
}

export function createHealthService<C extends HealthRecord>(o: HealthServiceOptions<C>): HealthService {
  const latest = new Map<string, HealthVerdict>()
  const samples = new Map<string, ClusterStatus[]>()
  const running = new Map<string, Promise<HealthVerdict>>()
  const again = new Set<string>()
  const histories = new Map<string, VerdictHistory>()
  const windowMs = o.growthWindowMs ?? 30_000
  const limits = o.history ?? { seconds: 900, maxEntries: 901 }

  // Four windows of snapshots: slot growth over one window, the disk's fall over all of them (df runs every 30 s).
  const growthOf = (id: string, s: ClusterStatus) => {
    const kept = [...(samples.get(id) ?? []), s].filter((x) => Date.parse(s.at) - Date.parse(x.at) <= 4 * windowMs)
    samples.set(id, kept)
    const old = [...kept].reverse().find((x) => Date.parse(s.at) - Date.parse(x.at) >= windowMs)
    return { slotGrowth: slotGrowth(old, s), diskFill: diskFill(kept, windowMs / 2) }
  }

  async function compute(id: string): Promise<HealthVerdict> {
    const [c, s] = await Promise.all([o.record(id), o.status(id)])
    if (!c || !s) return unknownVerdict(id)
    const [domains, facts, address, drift] = await Promise.all([o.domains(), o.facts.read(o.dataDirs(c)), o.addressHolders?.(c), o.drift?.(c).catch(() => undefined)])
    const v = verdict({ record: c, status: s, hosts: facts, domains, ...growthOf(id, s), syncUnmet: o.syncUnmet(c, s), survival: o.survival(c, s), address, drift, advice: o.advice?.(c) })
    const before = latest.get(id)
    latest.set(id, v)
    const h = histories.get(id) ?? new VerdictHistory(limits)
    histories.set(id, h)
    h.add(v)
    const worse = worsening(before, v)
    const isWorse = worse.findings.length > 0 || worse.survival.length > 0
    if (!before || isWorse || JSON.stringify({ ...before, at: '' }) !== JSON.stringify({ ...v, at: '' })) o.emit(v, isWorse ? worse : null)
    const url = o.notifyUrl(c)
    if (isWorse && url) void sendNotification(o.fetch ?? fetch, url, v, worse).catch((err: unknown) => o.log((err as Error).message))
    return v
  }

  function schedule(id: string): Promise<HealthVerdict> {
    const busy = running.get(id)
    if (busy) {
      again.add(id)
      return busy
    }
    const p = compute(id).finally(() => {
      running.delete(id)
      if (again.delete(id)) void schedule(id)
    })
    running.set(id, p)
    return p
  }

  return {
    get: async (id) => latest.get(id) ?? schedule(id),
    changed: (id) => void schedule(id).catch((err: unknown) => o.log(`health of ${id}: ${(err as Error).message}`)),
    history: (id, seconds) => ({ cluster: id, entries: histories.get(id)?.read(seconds) ?? [] }),
    forget: (id) => {
      latest.delete(id)
      samples.delete(id)
      histories.delete(id)
    },
  }
}
