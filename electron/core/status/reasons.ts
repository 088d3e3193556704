// Why a member is down, as a code the UI can switch on and a sentence that names the member,
// its host and, where the user can do something, what. Built from the SSH layer's AppErrors
// (connection state, stream-local refusals) and PostgreSQL's errors (SQLSTATE).
import type { DownCode } from '../../../shared/status'
import { AppError } from '../../../shared/errors'
import type { HostState } from '../ssh'

export interface DownReason {
  code: DownCode
  reason: string
}

/** What a member is called in messages: "db2 (postgres@10.0.0.12)". */
export interface Who {
  name: string
  host: string
  user?: string
}

const label = (w: Who) => `${w.name} on ${w.host}`

const SHUTTING_DOWN: Record<string, string> = {
  '57P01': 'is shutting down (administrator command)',
  '57P02': 'is restarting after a crash of one of its processes',
  '57P03': 'is starting up or shutting down and does not accept connections yet',
  '57P04': 'dropped the database it connected to',
}

/** A down reason from an SSH connection state that is not "connected". */
export function fromHostState(w: Who, s: HostState): DownReason | null {
  switch (s.state) {
    case 'connected':
    case 'connecting':
      return null
    case 'idle':
      return { code: 'ssh_unreachable', reason: `${label(w)}: the SSH connection to ${s.label} was closed.` }
    case 'unreachable':
      return { code: 'ssh_unreachable', reason: `${label(w)}: host unreachable over SSH. ${s.reason ?? ''}`.trim() }
    default:
      return { code: 'ssh_needs_user', reason: `${label(w)}: ${s.reason ?? `SSH to ${s.label} needs attention (${s.state}).`}` }
  }
}

/** A down reason from whatever ended or refused the member's database session. */
export function fromError(w: Who, err: unknown): DownReason {
  if (err instanceof AppError) {
    const d = (err.detail ?? {}) as { reason?: string }
    switch (d.reason) {
      case 'stream_local_refused':
        return { code: 'forwarding_refused', reason: `${label(w)}: ${err.message}` }
      case 'open_refused': // an undiagnosed refusal: most often the server is down
      case 'socket_missing':
        return { code: 'not_running', reason: `${label(w)}: PostgreSQL is not running (${err.message})` }
      case 'socket_denied':
      case 'not_socket':
        return { code: 'no_access', reason: `${label(w)}: ${err.message}` }
    }
    switch (err.code) {
      case 'ssh_auth':
      case 'ssh_host_key_unknown':
      case 'ssh_host_key_changed':
      case 'ssh_host_key_revoked':
      case 'ssh_shell_unsupported':
      case 'ssh_sudo_password':
      case 'invalid_input': // the host record or ~/.ssh/config needs fixing
      case 'not_found':
        return { code: 'ssh_needs_user', reason: `${label(w)}: ${err.message}` }
      case 'ssh_timeout':
        return { code: 'timeout', reason: `${label(w)}: ${err.message}` }
      case 'ssh_connect':
        return { code: 'ssh_unreachable', reason: `${label(w)}: ${err.message}` }
      default:
        return { code: 'connection_lost', reason: `${label(w)}: ${err.message}` }
    }
  }
  const e = err as { code?: unknown; message?: unknown } | null
  const msg = typeof e?.message === 'string' ? e.message : String(err)
  const sqlstate = typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined
  if (sqlstate && SHUTTING_DOWN[sqlstate]) return { code: 'shutting_down', reason: `${label(w)}: PostgreSQL ${SHUTTING_DOWN[sqlstate]}.` }
  if (sqlstate === '28000' || sqlstate === '28P01' || sqlstate === '3D000' || sqlstate === '42501') {
    const user = w.user ?? 'the SSH login user'
    return {
      code: 'no_access',
      reason: `${label(w)}: PostgreSQL refused ${user} (${msg}). ReplicaDesk reads status as the SSH login user through the Unix socket: create a role of that name with pg_monitor (CREATE ROLE "${user}" LOGIN; GRANT pg_monitor TO "${user}") and allow it by peer authentication in pg_hba.conf (local postgres ${user} peer), or log in as postgres.`,
    }
  }
  if (sqlstate === '57014') return { code: 'timeout', reason: `${label(w)}: the status query ran into its statement timeout (${msg}); the server is overloaded or blocked.` }
  if (sqlstate === '53300') return { code: 'query_failed', reason: `${label(w)}: PostgreSQL has no free connection slot (${msg}).` }
  if (sqlstate) return { code: 'query_failed', reason: `${label(w)}: the status query failed: ${msg} (SQLSTATE ${sqlstate}).` }
  if (/Connection terminated|ECONNRESET|EPIPE|closed/i.test(msg)) return { code: 'connection_lost', reason: `${label(w)}: the database session ended (${msg}).` }
  if (/timeout/i.test(msg)) return { code: 'timeout', reason: `${label(w)}: ${msg}` }
  return { code: 'connection_lost', reason: `${label(w)}: ${msg}` }
}
