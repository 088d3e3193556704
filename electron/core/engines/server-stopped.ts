// What every engine's "is the server of this data dir running, and how does its log end?"
// answers with, read the same way: one fact per line (`unknown`, `running PID`, `now EPOCH`,
// `pidfile left`, `log EPOCH FILE`, then `line …`), from a bounded script of the engine's own.
// Also when it stopped, in words.
import type { Arg } from '../ssh'
import type { StatusMemberInput, StatusSsh } from './engine'

/** Lines of the log shown, and characters kept of each. */
export const LOG_LINES = 5
export const LOG_LINE_CHARS = 200

export type ServerState =
  | { state: 'unknown' }
  | { state: 'running'; pid: number }
  | {
      state: 'stopped'
      /** postmaster.pid is still there: it crashed or was killed (a clean stop removes it). */
      crashed: boolean
      /** Seconds between the log's last write and the moment of the check (server clock). */
      logAgeS: number | null
      logFile: string | null
      lines: string[]
    }

// Passwords a statement log may hold (log_statement = ddl) never reach the screen.
const redact = (line: string) => line.replace(/(password\s*)('(?:[^']|'')*'?|\S+)/gi, '$1***')

/** Parses the script's output (from a server: never trusted, never thrown on). */
export function parseServerStopped(stdout: string): ServerState {
  let now: number | null = null
  let logAt: number | null = null
  let logFile: string | null = null
  let crashed = false
  const lines: string[] = []
  for (const raw of stdout.split('\n')) {
    const [tag = '', ...rest] = raw.split(' ')
    const value = rest.join(' ')
    if (tag === 'unknown') return { state: 'unknown' }
    if (tag === 'running') return /^\d+$/.test(value) ? { state: 'running', pid: Number(value) } : { state: 'unknown' }
    if (tag === 'now' && /^\d+$/.test(value)) now = Number(value)
    else if (tag === 'pidfile') crashed = true
    else if (tag === 'log' && /^\d+$/.test(rest[0] ?? '')) {
      logAt = Number(rest[0])
      logFile = rest.slice(1).join(' ') || null
    } else if (tag === 'line' && lines.length < LOG_LINES) lines.push(redact(value.slice(0, LOG_LINE_CHARS)))
  }
  if (now === null) return { state: 'unknown' }
  return { state: 'stopped', crashed, logAgeS: logAt === null ? null : Math.max(0, now - logAt), logFile, lines }
}

const pad = (n: number) => String(n).padStart(2, '0')

/** 01:00:55 today, else 2026-12-06 01:00:55 (the machine's local time, as the rest of the screen). */
export function clockText(at: Date, now = new Date()): string {
  const time = `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`
  const sameDay = at.getFullYear() === now.getFullYear() && at.getMonth() === now.getMonth() && at.getDate() === now.getDate()
  return sameDay ? time : `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${time}`
}

/**
 * When it stopped: the log's last write (a stop or a crash is the last thing a server logs; its
 * backends log their exit right after a killed postmaster), taken relative to the host's own
 * clock, when that write is after the server's last start and not after status saw it down
 * (plus a few seconds); else when status first saw it down.
 */
export function stoppedAt(since: string, logAgeS: number | null, last: { startedMs: number | null } | null, now = Date.now()): Date {
  const seen = Date.parse(since)
  if (logAgeS === null) return new Date(seen)
  const logAt = now - logAgeS * 1000
  const startedMs = last?.startedMs ?? null
  return (startedMs === null || logAt >= startedMs - 1000) && logAt <= seen + 5000 ? new Date(Math.min(logAt, seen)) : new Date(seen)
}

/**
 * Runs an engine's "is it running, how does its log end" script on the member's host (as the
 * server's user when the login is another one; 5 s and 16 kB at most) and parses its answer;
 * null when it could not look (then status's own reason stands). Never rejects.
 */
export async function readServerStopped(ssh: StatusSsh, m: StatusMemberInput, argv: readonly Arg[], timeoutMs: number): Promise<{ state: ServerState; out: string } | null> {
  const sudo = m.serverUser && m.serverUser !== m.target.user ? m.serverUser : undefined
  try {
    const r = await ssh.exec(m.target, argv, { timeoutMs: Math.min(timeoutMs, 5000), sudo, maxOutputBytes: 16 * 1024, allowTruncated: true })
    return { state: parseServerStopped(r.stdout), out: r.stdout }
  } catch {
    return null
  }
}
