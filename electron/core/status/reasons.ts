// Why a member is down, as a code the UI can switch on and a sentence that names the member,
// its host and, where the user can do something, what. Built from the SSH layer's AppErrors
// (connection state, stream-local refusals); the engine reads its own errors first (e.g.
// PostgreSQL's SQLSTATEs), and what nobody recognises is read from its message.
import { AppError } from '../../../shared/errors'
import type { DownReason, StatusSource, Who } from '../engines/engine'
import type { HostState } from '../ssh'

export type { DownReason, Who } from '../engines/engine'

/** What fromError needs of the engine: its server's name and its own reading of errors. */
type ErrorReader = Pick<StatusSource, 'serverName' | 'downReason'>

const label = (w: Who) => `${w.name} on ${w.host}`

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

/** A down reason from whatever ended or refused the member's session (`engine`: see ErrorReader). */
export function fromError(w: Who, err: unknown, engine?: ErrorReader): DownReason {
  if (err instanceof AppError) {
    const d = (err.detail ?? {}) as { reason?: string }
    switch (d.reason) {
      case 'stream_local_refused':
        return { code: 'forwarding_refused', reason: `${label(w)}: ${err.message}` }
      case 'socket_refused': // sshd forwarded before: the server behind the socket refused
        return { code: 'connection_lost', reason: `${label(w)}: ${err.message}` }
      case 'open_refused': // an undiagnosed refusal: most often the server is down
      case 'socket_missing':
        return { code: 'not_running', reason: `${label(w)}: ${engine?.serverName ?? 'the server'} is not running (${err.message})` }
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
  const own = engine?.downReason(w, err)
  if (own) return own
  const e = err as { message?: unknown } | null
  const msg = typeof e?.message === 'string' ? e.message : String(err)
  if (/Connection terminated|ECONNRESET|EPIPE|closed/i.test(msg)) return { code: 'connection_lost', reason: `${label(w)}: the database session ended (${msg}).` }
  if (/timeout/i.test(msg)) return { code: 'timeout', reason: `${label(w)}: ${msg}` }
  return { code: 'connection_lost', reason: `${label(w)}: ${msg}` }
}
