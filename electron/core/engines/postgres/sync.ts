// synchronous_standby_names for each member, from the members marked synchronous: names
// double-quoted (Debian's cluster_name is the same on every box, application_name is what
// counts), ordered by priority, never naming the member itself, nor a fenced member: it may
// be started by hand as a standby, and a commit it confirms is on a server never promoted.
import type { PgCluster } from './model'

export function syncNames(cluster: PgCluster, self: string, exclude: readonly string[] = []): string {
  const names = cluster.members
    .filter((m) => m.sync && m.name !== self && !exclude.includes(m.name) && !cluster.fenced.includes(m.name))
    .sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name))
    .map((m) => m.name)
  if (names.length === 0) return ''
  const num = Math.min(cluster.sync.num, names.length)
  return `${cluster.sync.method} ${num} (${names.map((n) => `"${n}"`).join(', ')})`
}

/** The names listed in a synchronous_standby_names value. */
export function namesIn(value: string): string[] {
  const inner = /\(([^)]*)\)/.exec(value)?.[1] ?? value.replace(/^\s*(ANY|FIRST)?\s*\d*\s*/i, '')
  return inner
    .split(',')
    .map((s) => s.trim().replace(/^"(.*)"$/, '$1'))
    .filter(Boolean)
}

/** How many listed standbys must confirm (1 for a plain list). */
export function requiredCount(value: string): number {
  const m = /^\s*(?:ANY|FIRST)?\s*(\d+)\s*\(/i.exec(value)
  return m ? Number(m[1]) : value.trim() ? 1 : 0
}

/**
 * Whether the primary may take `value` now: enough of the named standbys stream (else every
 * write would wait for ever). An empty value is always safe.
 */
export function satisfiable(value: string, streaming: readonly string[]): boolean {
  if (!value.trim()) return true
  const listed = namesIn(value)
  return listed.filter((n) => streaming.includes(n)).length >= requiredCount(value)
}

/** What the primary can take without blocking writes: the wanted value, else the streaming part of it, else none. */
export function degradedSyncValue(c: PgCluster, want: string, streaming: readonly string[]): string {
  if (satisfiable(want, streaming)) return want
  const streamingMembers = c.members.filter((m) => streaming.includes(m.name)).map((m) => m.name)
  const sub = { ...c, members: c.members.filter((m) => streamingMembers.includes(m.name)), sync: { ...c.sync, num: 1 } }
  return syncNames(sub, '')
}
