// How a MariaDB member's live status reads in the UI: its replication threads, how far behind
// it is (transactions and Seconds_Behind_Master), the last thread errors, GTID positions, and
// the cluster's semi-sync state as the primary reports it — with the fall-back to asynchronous
// said plainly. Pure; the core measures, this only words and colours what it sent.
import type { MariaCluster } from '../../../shared/mariadb'
import type { GtidStatus, MemberStatus } from '../../../shared/status'
import { formatSeconds, stateLabel, type Tone } from './format'

const DASH = '–'

/** MariaDB says replica where the shared status says standby. */
export const mariaRole = (label: string): string => label.replace(/\bstandby\b/, 'replica')

/** Down labels that name PostgreSQL get MariaDB's name. */
export function mariaStateLabel(m: Pick<MemberStatus, 'state' | 'down'>): string {
  return m.state === 'down' && m.down?.code === 'not_running' ? 'MariaDB stopped' : stateLabel(m)
}

/** `10.11.19` out of @@version's `10.11.19-MariaDB-0+deb12u1-log` (the whole text when it is not that shape). */
export const mariaVersion = (version: string): string => /^\d+\.\d+\.\d+/.exec(version)?.[0] ?? version

/** A GTID position as printed, or "none" when the server has none yet. */
export const gtidText = (pos: string | null | undefined): string => (pos ? pos.split(',').join(', ') : 'none')

/** `IO Yes · SQL Yes`; `not replicating` when the member has no replication configured. */
export function threadsText(g: GtidStatus | null | undefined): string {
  if (!g) return DASH
  if (g.ioRunning === null && g.sqlRunning === null) return 'not replicating'
  return `IO ${g.ioRunning ?? '?'} · SQL ${g.sqlRunning ?? '?'}`
}

/** Both threads run: ok; one connecting: warn; stopped or in error: bad. */
export function threadsTone(g: GtidStatus | null | undefined): Tone {
  if (!g || (g.ioRunning === null && g.sqlRunning === null)) return 'none'
  if (g.lastIoError || g.lastSqlError || g.ioRunning === 'No' || g.sqlRunning === 'No') return 'bad'
  return g.ioRunning === 'Yes' && g.sqlRunning === 'Yes' ? 'ok' : 'warn'
}

/** Both replication threads run (what "streaming" means on MariaDB). */
export const replicating = (g: GtidStatus | null | undefined): boolean => g?.ioRunning === 'Yes' && g.sqlRunning === 'Yes'

export interface ThreadError {
  thread: 'IO' | 'SQL'
  text: string
}

/** The last errors of the replication threads, IO first: shown above everything else on the card. */
export function threadErrors(g: GtidStatus | null | undefined): ThreadError[] {
  const out: ThreadError[] = []
  if (g?.lastIoError) out.push({ thread: 'IO', text: g.lastIoError })
  if (g?.lastSqlError) out.push({ thread: 'SQL', text: g.lastSqlError })
  return out
}

const transactions = (n: number) => `${n} transaction${n === 1 ? '' : 's'}`

/** `0 transactions · 0 s`: the GTID distance to the primary and Seconds_Behind_Master. */
export function behindText(m: Pick<MemberStatus, 'lagSeconds' | 'gtid'>): string {
  const n = m.gtid?.behindTransactions ?? null
  if (n === null && m.lagSeconds === null) return DASH
  return `${n === null ? 'transactions unknown' : transactions(n)} · ${formatSeconds(m.lagSeconds)}`
}

/** Caught up: ok; more than 100 transactions or 5 s behind: warn. */
export function behindTone(m: Pick<MemberStatus, 'lagSeconds' | 'gtid'>): Tone {
  const n = m.gtid?.behindTransactions ?? null
  if (n === null && m.lagSeconds === null) return 'none'
  return (n ?? 0) > 100 || (m.lagSeconds ?? 0) > 5 ? 'warn' : 'ok'
}

/** A member's own semi-sync: the primary waits (or fell back), a replica acknowledges, or neither. */
export function memberSemiSyncText(g: GtidStatus | null | undefined, primary: boolean): string {
  switch (g?.semiSync ?? null) {
    case 'on':
      return primary ? 'on: commits wait for a replica' : 'on: acknowledges commits'
    case 'off':
      return primary ? 'fell back to asynchronous' : 'enabled, not acknowledging'
    case 'disabled':
      return 'off'
    default:
      return DASH
  }
}

export interface SemiSyncView {
  /** The short word for the card's header. */
  label: string
  tone: Tone
  /** The primary reports its semi-sync off while the record wants it on. */
  fallback: boolean
  /** One or two sentences when it needs saying (a fall-back, a primary without it); else null. */
  text: string | null
}

/**
 * A semi-sync timeout this long (ms) or more is "strict": writes wait rather than fall back. The
 * core's threshold (electron/core/engines/mariadb/survival.ts STRICT_TIMEOUT_MS), said again
 * here because the renderer may not import the engine; "strict" itself sets the maximum.
 */
export const STRICT_SEMI_SYNC_MS = 24 * 3600 * 1000

/** `10 s`, `2 min`, `24 h`: rpl_semi_sync_master_timeout as a person reads it. */
export function formatTimeout(ms: number): string {
  if (ms < 1000) return `${ms} ms`
  const s = ms / 1000
  if (s < 120) return `${Number(s.toFixed(1))} s`
  if (s < 7200) return `${Math.round(s / 60)} min`
  return `${Math.round(s / 3600)} h`
}

/**
 * The cluster's semi-sync as it holds now: what the record asks for, checked against what the
 * primary reports (null: no primary read yet).
 */
export function semiSyncView(cluster: Pick<MariaCluster, 'semiSync'>, primary: Pick<MemberStatus, 'name' | 'gtid'> | null): SemiSyncView {
  const { enabled, timeoutMs } = cluster.semiSync
  if (!enabled) return { label: 'asynchronous', tone: 'none', fallback: false, text: null }
  const label = timeoutMs >= STRICT_SEMI_SYNC_MS ? 'semi-synchronous (strict: writes wait for an acknowledgement)' : `semi-synchronous (falls back after ${formatTimeout(timeoutMs)})`
  const state = primary?.gtid?.semiSync ?? null
  if (state === 'on' || state === null) return { label, tone: state === 'on' ? 'ok' : 'none', fallback: false, text: null }
  if (state === 'off')
    return {
      label: 'semi-sync fell back to asynchronous',
      tone: 'warn',
      fallback: true,
      text: `No replica acknowledged within ${formatTimeout(timeoutMs)}, so ${primary!.name} fell back to asynchronous replication: commits no longer wait for a replica, and a failure of ${primary!.name} now can lose acknowledged writes. It switches back by itself once a semi-sync replica has caught up.`,
    }
  return {
    label: 'semi-sync off on the primary',
    tone: 'warn',
    fallback: false,
    text: `Semi-synchronous replication is asked for, but ${primary!.name} has it switched off: commits do not wait for any replica.`,
  }
}
