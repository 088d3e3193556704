// How live status reads in the UI: lag in bytes and seconds, uptime, disk, slots, sync state,
// and a member's state and role as a label and a tone. Pure; unknown values read as "–".
import type { DownCode, MemberStatus, ReplicationSlotStatus, DiskStatus } from '../../../shared/status'

export type Tone = 'ok' | 'warn' | 'bad' | 'none'

const DASH = '–'

/** Decimal units like the rest of the app: `0 B`, `512 B`, `12 kB`, `3.4 MB`, `1.25 GB`. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes) || bytes < 0) return DASH
  if (bytes >= 1e12) return `${(bytes / 1e12).toFixed(2)} TB`
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(bytes >= 1e4 ? 0 : 1)} kB`
  return `${Math.round(bytes)} B`
}

/** Lag in seconds: `0 s`, `0.25 s`, `4.5 s`, `42 s`, `3 min 05 s`, `2 h 10 min`. */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return DASH
  if (seconds === 0) return '0 s'
  if (seconds < 1) return `${Number(seconds.toPrecision(2))} s`
  if (seconds < 10) return `${seconds.toFixed(1)} s`
  if (seconds < 60) return `${Math.round(seconds)} s`
  const s = Math.round(seconds)
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`
}

/** `1.2 MB · 0.4 s`; the primary has no lag. */
export function formatLag(m: Pick<MemberStatus, 'lagBytes' | 'lagSeconds'>): string {
  if (m.lagBytes === null && m.lagSeconds === null) return DASH
  return `${formatBytes(m.lagBytes)} · ${formatSeconds(m.lagSeconds)}`
}

/** Lag worth a look: more than 16 MB or 5 s behind. */
export function lagTone(m: Pick<MemberStatus, 'lagBytes' | 'lagSeconds'>): Tone {
  if (m.lagBytes === null && m.lagSeconds === null) return 'none'
  if ((m.lagBytes ?? 0) > 16e6 || (m.lagSeconds ?? 0) > 5) return 'warn'
  return 'ok'
}

/** Coarse on purpose (minutes), so a ticking clock rarely changes what is shown. */
export function formatUptime(startedAt: string | null, nowMs: number): string {
  if (!startedAt) return DASH
  const started = Date.parse(startedAt)
  if (Number.isNaN(started)) return DASH
  const min = Math.floor(Math.max(0, nowMs - started) / 60_000)
  if (min < 1) return 'under a minute'
  if (min < 60) return `${min} min`
  const h = Math.floor(min / 60)
  if (h < 24) return `${h} h ${String(min % 60).padStart(2, '0')} min`
  return `${Math.floor(h / 24)} d ${h % 24} h`
}

export function formatDisk(d: DiskStatus | null): string {
  if (!d) return DASH
  const pct = d.totalBytes > 0 ? Math.round((100 * d.freeBytes) / d.totalBytes) : null
  return `${formatBytes(d.freeBytes)} free of ${formatBytes(d.totalBytes)}${pct === null ? '' : ` (${pct} %)`}`
}

/** Little free space on the data dir: under 10 % or 2 GB is a warning, under 3 % or 500 MB bad. */
export function diskTone(d: DiskStatus | null): Tone {
  if (!d || d.totalBytes <= 0) return 'none'
  const share = d.freeBytes / d.totalBytes
  if (share < 0.03 || d.freeBytes < 500e6) return 'bad'
  if (share < 0.1 || d.freeBytes < 2e9) return 'warn'
  return 'ok'
}

export function formatSlot(s: ReplicationSlotStatus | null): string {
  if (!s) return DASH
  const parts = [`${s.name}${s.active ? '' : ' (inactive)'}`, `retains ${formatBytes(s.retainedBytes)}`]
  if (s.walStatus && s.walStatus !== 'reserved') parts.push(s.walStatus)
  return parts.join(' · ')
}

/** A slot that lost (or may lose) WAL, or holds a lot back while inactive. */
export function slotTone(s: ReplicationSlotStatus | null): Tone {
  if (!s) return 'none'
  if (s.walStatus === 'lost') return 'bad'
  if (s.walStatus === 'unreserved' || (!s.active && (s.retainedBytes ?? 0) > 1e9)) return 'warn'
  return 'ok'
}

export const syncLabels: Record<NonNullable<MemberStatus['syncState']>, string> = {
  async: 'asynchronous',
  potential: 'potential synchronous',
  sync: 'synchronous',
  quorum: 'quorum (synchronous)',
}

export function formatSync(m: Pick<MemberStatus, 'role' | 'syncState' | 'senderState'>): string {
  if (m.role === 'primary') return DASH
  const sync = m.syncState ? syncLabels[m.syncState] : null
  if (sync && m.senderState) return `${sync}, ${m.senderState}`
  return sync ?? m.senderState ?? 'not streaming'
}

export const stateLabels: Record<MemberStatus['state'], string> = { unknown: 'Not read yet', up: 'Up', down: 'Down' }

export const downLabels: Record<DownCode, string> = {
  ssh_unreachable: 'Host unreachable',
  ssh_needs_user: 'SSH needs you',
  forwarding_refused: 'Forwarding refused',
  not_running: 'PostgreSQL stopped',
  shutting_down: 'Shutting down',
  no_access: 'No access',
  timeout: 'Not answering',
  connection_lost: 'Connection lost',
  query_failed: 'Query failed',
}

export function stateLabel(m: Pick<MemberStatus, 'state' | 'down'>): string {
  if (m.state === 'down' && m.down) return downLabels[m.down.code]
  return stateLabels[m.state]
}

export function stateTone(m: Pick<MemberStatus, 'state' | 'stale'>): Tone {
  if (m.state === 'down') return 'bad'
  if (m.state === 'unknown') return 'none'
  return m.stale ? 'warn' : 'ok'
}

export function roleLabel(m: Pick<MemberStatus, 'role' | 'writable'>): string {
  if (m.role === 'primary') return m.writable === false ? 'primary (read-only)' : 'primary'
  if (m.role === 'standby') return 'standby'
  return 'role unknown'
}

/** The WAL position that matters for the member: its own on a primary, replayed on a standby. */
export function positionOf(m: Pick<MemberStatus, 'role' | 'currentLsn' | 'receiveLsn' | 'replayLsn'>): string {
  if (m.role === 'primary') return m.currentLsn ?? DASH
  return m.replayLsn ?? m.receiveLsn ?? DASH
}
