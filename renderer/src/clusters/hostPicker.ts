// What the host picker shows beside each host record: the cluster's members already there, whether
// the host is prepared (from host prepare's checks), and the core's ranking of free hosts (a
// failure domain no member uses first); and the new member's fields from the core's pattern,
// moved off what the picked host is seen running. The rules are the core's: this only words them.
import type { HostCandidate, PrepareReport } from '../../../shared/prepare'
import { freePort } from './suggest'

export type Prepared = 'ready' | 'not-prepared' | 'checking' | 'unchecked'

export interface PickerMark {
  /** This cluster's members on the host. */
  members: string[]
  prepared: Prepared
  /** One line: "in demo: pg1", "not prepared: …", "suggested: failure domain …". */
  note: string
  /** The core's first choice for a new member. */
  suggested: boolean
  /** The core's rank (0 first); null: a member runs there, or no cluster yet. */
  rank: number | null
}

export interface MarkFacts {
  cluster?: string
  /** The cluster's major: a host without it is not prepared for it. */
  major?: string
  candidate?: HostCandidate
  report?: PrepareReport
  checking: boolean
  error?: { message: string }
}

/** Prepared or not, and why, from the checks. */
export function preparedOf(f: Pick<MarkFacts, 'major' | 'report' | 'checking' | 'error'>): { prepared: Prepared; why: string } {
  const r = f.report
  if (r) {
    if (r.memberMissing.length) return { prepared: 'not-prepared', why: `not prepared: ${r.memberMissing.join('; ')}` }
    if (f.major && !r.installed.includes(f.major)) return { prepared: 'not-prepared', why: `not prepared: no PostgreSQL ${f.major} (${r.installed.length ? `has ${r.installed.join(', ')}` : 'none installed'})` }
    return { prepared: 'ready', why: 'prepared' }
  }
  if (f.checking) return { prepared: 'checking', why: 'checking…' }
  return { prepared: 'unchecked', why: f.error ? `not checked: ${f.error.message}` : 'not checked yet' }
}

export function pickerMark(f: MarkFacts): PickerMark {
  const members = f.candidate?.members ?? []
  const rank = f.candidate?.rank ?? null
  const { prepared, why } = preparedOf(f)
  const suggested = rank === 0
  const parts = [members.length ? `in ${f.cluster}: ${members.join(', ')}` : undefined, why, suggested && f.candidate?.why ? `suggested: ${f.candidate.why}` : undefined]
  return { members, prepared, note: parts.filter(Boolean).join(' · '), suggested, rank }
}

/**
 * A MariaDB cluster's picker: host prepare checks what PostgreSQL needs, so it says nothing here
 * (the add's pre-flight checks MariaDB); only the cluster's members on the host, free hosts first.
 */
export function mariaPickerMark(host: string, members: readonly { name: string; host: string }[], cluster?: string): PickerMark {
  const here = members.filter((m) => m.host === host).map((m) => m.name)
  return { members: here, prepared: 'unchecked', note: here.length ? `in ${cluster ?? 'this cluster'}: ${here.join(', ')}` : '', suggested: false, rank: here.length ? null : 0 }
}

/** Free hosts in the core's order first, then the ones running a member, then the rest by name. */
export function pickerOrder<T extends { name: string }>(hosts: readonly T[], marks: ReadonlyMap<string, PickerMark>): T[] {
  const key = (h: T) => {
    const m = marks.get(h.name)
    return m?.rank ?? (m?.members.length ? 10_000 : 20_000)
  }
  return [...hosts].sort((a, b) => key(a) - key(b) || a.name.localeCompare(b.name))
}

/** The new member's name, data dir and port from the core's pattern, off what the host runs (detected). */
export function newMemberFields(c: HostCandidate | undefined, used: { ports: readonly number[]; dataDirs: readonly string[] }): { name: string; dataDir: string; port: string } | undefined {
  if (!c?.name || !c.dataDir || c.port === undefined) return undefined
  let dataDir = c.dataDir
  for (let n = 2; used.dataDirs.includes(dataDir); n++) dataDir = `${c.dataDir}-${n}`
  return { name: c.name, dataDir, port: String(freePort(used.ports, c.port)) }
}
