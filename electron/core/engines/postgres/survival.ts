// How many more member failures a PostgreSQL cluster survives, from its record (synchronous
// settings, who may be promoted) and live status (who is up and streaming). Pure. Failures are
// tried exhaustively over the members up now (home clusters are small), so the numbers hold for
// the worst choice of failed members, and the reasoning names that choice.
import type { Survival } from '../../../../shared/health'
import type { ClusterStatus, MemberStatus } from '../../../../shared/status'
import type { PgCluster } from './model'

const MAX_EXHAUSTIVE = 12

interface View {
  c: PgCluster
  up: MemberStatus[]
  primary: string
  streaming: Set<string>
}

/** The synchronous set a primary `p` names (never itself, never fenced, never `gone`) and how many must confirm. */
function syncSet(c: PgCluster, p: string, gone: readonly string[] = []) {
  const names = c.members
    .filter((m) => m.sync && m.name !== p && !c.fenced.includes(m.name) && !gone.includes(m.name))
    .sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name))
    .map((m) => m.name)
  return { names, required: Math.min(c.sync.num, names.length) }
}

/** Could an acknowledged write be on failed members only? */
function lossPossible(v: View, failed: Set<string>): boolean {
  if (!failed.has(v.primary)) return false
  const { names, required } = syncSet(v.c, v.primary)
  if (required === 0) return true
  const holders = names.filter((n) => v.streaming.has(n))
  if (holders.length < required) return holders.every((n) => failed.has(n)) // writes wait: those acknowledged before are on the streaming ones at least
  if (v.c.sync.method === 'FIRST') return holders.slice(0, required).every((n) => failed.has(n))
  return holders.filter((n) => failed.has(n)).length >= required
}

/** Why writes stop with `failed` gone, or null when they go on (after a failover if the primary is among them). */
function writesStop(v: View, failed: Set<string>): string | null {
  const survivors = v.up.filter((m) => !failed.has(m.name))
  const meets = (p: string, gone: readonly string[]) => {
    const { names, required } = syncSet(v.c, p, gone)
    const left = names.filter((n) => survivors.some((m) => m.name === n))
    return left.length >= required ? null : `${v.c.sync.method} ${required} (${names.join(', ')}) cannot be met with ${left.length ? `only ${left.join(', ')} left` : 'none of them left'}`
  }
  if (!failed.has(v.primary)) {
    const why = meets(v.primary, [])
    return why && `writes on ${v.primary} wait: ${why}`
  }
  const candidates = survivors.filter((m) => {
    const rec = v.c.members.find((x) => x.name === m.name)
    return rec && !rec.neverPromote && !v.c.fenced.includes(m.name) && v.streaming.has(m.name) && (m.lagBytes ?? 0) <= v.c.maxLagBytes
  })
  if (candidates.length === 0) return `no member left can be promoted (${survivors.map((m) => m.name).join(', ') || 'none left'})`
  const reasons = candidates.map((m) => meets(m.name, [v.primary]))
  return reasons.some((r) => r === null) ? null : `after a failover writes wait: ${reasons[0]}`
}

/** The largest f such that every choice of f failed members keeps `ok`; and the first choice of f+1 that breaks it. */
function survives(names: readonly string[], ok: (failed: Set<string>) => boolean): { f: number; breaking?: string[] } {
  if (!ok(new Set())) return { f: 0, breaking: [] }
  const limit = Math.min(names.length, MAX_EXHAUSTIVE)
  for (let f = 1; f <= limit; f++) {
    const breaking = firstBreaking(names.slice(0, MAX_EXHAUSTIVE), f, ok)
    if (breaking) return { f: f - 1, breaking }
  }
  return { f: limit }
}

function firstBreaking(names: readonly string[], size: number, ok: (failed: Set<string>) => boolean, from = 0, chosen: string[] = []): string[] | undefined {
  if (chosen.length === size) return ok(new Set(chosen)) ? undefined : chosen
  for (let i = from; i < names.length; i++) {
    const found = firstBreaking(names, size, ok, i + 1, [...chosen, names[i]!])
    if (found) return found
  }
  return undefined
}

const failures = (n: number) => `${n} failure${n === 1 ? '' : 's'}`

export function survival(c: PgCluster, s: ClusterStatus): { noLoss: Survival; writes: Survival } {
  if (!s.primary) {
    const why = s.splitBrain ? 'two members accept writes (split brain): acknowledged writes may already be lost.' : 'no member accepts writes now.'
    return { noLoss: { failures: 0, why }, writes: { failures: 0, why } }
  }
  const up = s.members.filter((m) => m.state === 'up')
  const streaming = new Set(s.members.filter((m) => m.state === 'up' && m.role === 'standby' && m.senderState === 'streaming').map((m) => m.name))
  const v: View = { c, up, primary: s.primary, streaming }
  const names = up.map((m) => m.name)
  const { names: set, required } = syncSet(c, s.primary)
  const loss = survives(names, (failed) => !lossPossible(v, failed))
  const write = survives(names, (failed) => writesStop(v, failed) === null)
  const mode = required === 0 ? 'asynchronous' : `${c.sync.method} ${required} of ${set.length} (${set.join(', ')})`
  const noLossWhy =
    required === 0
      ? `${mode}: the last writes ${s.primary} acknowledged may be on no other member; losing ${s.primary} can lose them.`
      : `${mode}: every acknowledged write is on ${s.primary} and ${required} synchronous replica${required === 1 ? '' : 's'} streaming; ${loss.breaking ? `if ${loss.breaking.join(' and ')} fail${loss.breaking.length === 1 ? 's' : ''}, the last writes may be gone` : 'no choice of failures removes every copy'}.`
  const fail = (names: string[]) => `if ${names.join(' and ')} fail${names.length === 1 ? 's' : ''}`
  const writesWhy = write.breaking?.length === 0 ? `writes wait now: ${writesStop(v, new Set())}.` : write.breaking ? `${failures(write.f)} (a failover included); ${fail(write.breaking)}, ${writesStop(v, new Set(write.breaking))}.` : `${failures(write.f)}: any member may fail and writes continue (a failover included).`
  if (c.relaxedSince) return { noLoss: { failures: 0, why: `synchronous replication relaxed since ${c.relaxedSince} (policy "available"): the last writes ${s.primary} acknowledged may be on no other member.` }, writes: { failures: write.f, why: writesWhy } }
  return { noLoss: { failures: loss.f, why: noLossWhy }, writes: { failures: write.f, why: writesWhy } }
}

/** The synchronous requirement the primary cannot meet now (writes wait), in words; undefined when met. */
export function syncUnmet(c: PgCluster, s: ClusterStatus): string | undefined {
  if (!s.primary) return undefined
  const { names, required } = syncSet(c, s.primary)
  const streaming = names.filter((n) => s.members.some((m) => m.name === n && m.state === 'up' && m.senderState === 'streaming'))
  return streaming.length >= required ? undefined : `${c.sync.method} ${required} of ${names.join(', ')} needs ${required} streaming, ${streaming.join(', ') || 'none'} stream${streaming.length === 1 ? 's' : ''}`
}
