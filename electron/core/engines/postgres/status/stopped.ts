// The PostgreSQL reading of a member status lost for a reason a stopped server gives too (the
// session ended, "terminating connection due to unexpected postmaster exit" = 57P01, a refused
// or stale socket): without a live postmaster of its data dir it is "not running on HOST
// (stopped at HH:MM:SS)", with how its log ends; with one, status's reason stands.
import type { DownContext, DownReason, StatusMemberInput, StatusSsh } from '../../engine'
import type { RawSample } from './query'
import { LOG_LINE_CHARS, LOG_LINES, SERVER_STOPPED } from '../server-stopped'
import { clockText, readServerStopped, stoppedAt } from '../../server-stopped'

export { clockText, stoppedAt } from '../../server-stopped'

export async function explainPgDown(ssh: StatusSsh, m: StatusMemberInput, c: DownContext<RawSample>): Promise<DownReason | null> {
  const dataDir = c.dataDir ?? m.dataDir
  if (!dataDir) return null
  const read = await readServerStopped(ssh, m, ['sh', '-c', SERVER_STOPPED, 'sh', dataDir, m.logFile ?? '-', String(LOG_LINES), String(LOG_LINE_CHARS)], c.timeoutMs)
  if (!read) return null // could not look: status's own reason stands
  const s = read.state
  if (s.state !== 'stopped') return null
  const at = clockText(stoppedAt(c.since, s.logAgeS, c.last))
  const how = s.crashed ? ' It crashed or was killed (its postmaster.pid was left behind); start it again, or fail over if it was the primary.' : ''
  return {
    code: 'not_running',
    reason: `${m.name} on ${m.host}: PostgreSQL is not running on ${m.host} (stopped at ${at}).${how}`,
    ...(s.logFile && { log: { file: s.logFile, lines: s.lines } }),
  }
}
