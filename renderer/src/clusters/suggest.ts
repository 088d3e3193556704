// What the wizards propose from what a host runs (cluster.detect) and what the cluster holds:
// the PostgreSQL major version, a running primary to adopt, and for a new member a member name,
// a free port and a free data dir. Suggestions only: the user may change every one.
import type { PgCluster, PgDetection } from '../../../shared/postgres'

export type DetectedInstance = PgDetection['instances'][number]

const byMajorDesc = (a: { major: string }, b: { major: string }) => Number(b.major) - Number(a.major)

/** The newest major version installed, or '' when none is. */
export function suggestMajor(d: PgDetection | null | undefined): string {
  return d?.versions.length ? [...d.versions].sort(byMajorDesc)[0]!.major : ''
}

/** Running primaries with a known data dir: what "adopt" can take over. */
export function adoptableInstances(d: PgDetection | null | undefined): DetectedInstance[] {
  return (d?.instances ?? []).filter((i) => i.role === 'primary' && !!i.dataDir)
}

/** The major version of a detected instance ("15.4" → "15"), when it says. */
export function instanceMajor(i: DetectedInstance): string {
  const m = /^(\d{2,3})/.exec(i.version ?? '')
  return m ? m[1]! : ''
}

/** A member name from a host record's name: lower case, only what application_name allows. */
export function memberNameFrom(hostName: string, taken: readonly string[] = []): string {
  let base = hostName.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[^a-z]+/, '').slice(0, 36)
  if (!base) base = 'pg'
  if (!taken.includes(base)) return base
  for (let n = 2; ; n++) if (!taken.includes(`${base}-${n}`)) return `${base}-${n}`
}

/** The first port from `from` up that nothing on the host uses. */
export function freePort(used: readonly number[], from = 5432): number {
  let port = from
  while (used.includes(port)) port++
  return port
}

/** Ports in use on a host: detected instances plus members of the cluster there. */
export function usedPorts(host: string, d: PgDetection | null | undefined, cluster?: PgCluster | null): number[] {
  return [...(d?.instances.map((i) => i.port) ?? []), ...(cluster?.members.filter((m) => m.host === host).map((m) => m.port) ?? [])]
}

/** Data dirs in use on a host, the same way. */
export function usedDataDirs(host: string, d: PgDetection | null | undefined, cluster?: PgCluster | null): string[] {
  return [
    ...(d?.instances.flatMap((i) => (i.dataDir ? [i.dataDir] : [])) ?? []),
    ...(cluster?.members.filter((m) => m.host === host).map((m) => m.dataDir) ?? []),
  ]
}

/** `/var/lib/postgresql/<major>/<name>`, with a suffix when that one is taken. */
export function suggestDataDir(major: string, name: string, used: readonly string[]): string {
  const base = `/var/lib/postgresql/${major || '15'}/${name || 'main'}`
  if (!used.includes(base)) return base
  for (let n = 2; ; n++) if (!used.includes(`${base}-${n}`)) return `${base}-${n}`
}

export interface InstancePrefill {
  port: string
  dataDir: string
  layout: 'plain' | 'debian'
  debianName: string
  major: string
}

/** The placement fields of a running instance, for "adopt". */
export function prefillFromInstance(i: DetectedInstance, fallbackMajor: string): InstancePrefill {
  const debian = i.layout === 'debian'
  return {
    port: String(i.port),
    dataDir: i.dataDir ?? '',
    layout: debian ? 'debian' : 'plain',
    // Detection names Debian clusters `15/main`; the member keeps the cluster's own name.
    debianName: debian && i.name ? (i.name.split('/').pop() ?? 'main') : 'main',
    major: instanceMajor(i) || fallbackMajor,
  }
}

/** What an instance is, in a few words: `PostgreSQL 15.4 · primary · Debian cluster 15/main`. */
export function describeInstance(i: DetectedInstance): string {
  const parts = [i.version ? `PostgreSQL ${i.version}` : 'PostgreSQL', i.role]
  if (i.layout === 'debian') parts.push(`Debian cluster ${i.name ?? ''}`.trim())
  else if (i.layout) parts.push(i.layout === 'plain' ? 'plain data dir' : i.layout)
  return parts.join(' · ')
}
