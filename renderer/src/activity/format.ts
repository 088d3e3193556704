// How a remote command reads in the activity log: a copyable command line, a duration, an outcome.
import type { ActivityEntry } from '../../../shared/ssh'

const plain = /^[A-Za-z0-9_@%+=:,./-]+$/

/** One argument as a POSIX shell would need it (for reading and copying, never for running). */
export function shellWord(arg: string): string {
  if (arg !== '' && plain.test(arg)) return arg
  return `'${arg.replace(/'/g, `'\\''`)}'`
}

export function commandLine(argv: readonly string[]): string {
  return argv.map(shellWord).join(' ')
}

/** `sudo -n -u postgres` or `sudo -n` for an entry that ran through sudo; '' otherwise. */
export function sudoPrefix(sudo: ActivityEntry['sudo']): string {
  if (!sudo) return ''
  return typeof sudo === 'string' ? `sudo -n -u ${shellWord(sudo)}` : 'sudo -n'
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–'
  if (ms < 10 && !Number.isInteger(ms)) return `${ms.toFixed(1)} ms`
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`
  const s = Math.round(ms / 1000)
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`
}

export type OutcomeTone = 'ok' | 'bad'

export interface Outcome {
  label: string
  tone: OutcomeTone
}

/** exit 0, exit 1, or the error code when the command did not finish normally. */
export function outcomeOf(e: Pick<ActivityEntry, 'exitCode' | 'errorCode'>): Outcome {
  if (e.errorCode) return { label: e.exitCode !== null ? `${e.errorCode} (exit ${e.exitCode})` : e.errorCode, tone: 'bad' }
  if (e.exitCode === null) return { label: 'no exit status', tone: 'bad' }
  return { label: `exit ${e.exitCode}`, tone: e.exitCode === 0 ? 'ok' : 'bad' }
}

/** `postgres@10.0.0.5` or `postgres@10.0.0.5:2222`: how the core labels a connection. */
export function connectionLabel(h: { user: string; address: string; port: number }): string {
  return `${h.user}@${h.address}${h.port === 22 ? '' : `:${h.port}`}`
}

/** Date and time with milliseconds, for the tooltip; the table shows the clock only. */
export function formatTimestamp(iso: string): string {
  const t = Date.parse(iso)
  if (Number.isNaN(t)) return iso
  const d = new Date(t)
  const pad = (n: number, w = 2) => String(n).padStart(w, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
}

/** Who made the command run, in a few words; null for entries that do not say (older ones, notices). */
export function originLabel(origin: ActivityEntry['origin']): string | null {
  switch (origin) {
    case 'status':
      return 'status poll'
    case 'operation':
      return 'operation'
    case 'host-test':
      return 'host test'
    case 'user':
      return 'on request'
    default:
      return null
  }
}
