// Why a member is down, read from MariaDB's own errors (mysql2 gives the server's error number
// as `errno`, its name as `code`): the status account refused (with the exact statements to
// run), the server shutting down, the poll's max_statement_time, the session killed or lost.
// Anything else that is not a server error is left to status/ (null).
import type { DownReason, Who } from '../../engine'
import { STATUS_GRANTS, statusLoginSql } from '../access'
import { account } from '../sql'

const label = (w: Who) => `${w.name} on ${w.host}`

/** Errors the server sends, by number. */
export const ER = {
  CON_COUNT: 1040,
  ACCESS_DENIED: 1045,
  SERVER_SHUTDOWN: 1053,
  SPECIFIC_ACCESS_DENIED: 1227,
  QUERY_INTERRUPTED: 1317,
  ACCESS_DENIED_NO_PASSWORD: 1698,
  CONNECTION_KILLED: 1927,
  STATEMENT_TIMEOUT: 1969,
  /** Client-side (libmysql numbering) for a lost connection. */
  SERVER_LOST: 2013,
} as const

/** The statements an administrator runs on the member (as root) to let `user` read status. */
export function accessAdvice(user: string): string {
  const sql = statusLoginSql(user)
  return sql.length ? `${sql.join('; ')};` : `GRANT ${STATUS_GRANTS.join(', ')} ON *.* TO ${account(user, 'localhost')};`
}

function errnoOf(err: unknown): number | null {
  const e = err as { errno?: unknown; code?: unknown } | null
  if (typeof e?.errno === 'number') return e.errno
  if (typeof e?.code === 'number') return e.code // an error packet outside a query (mysql2 passes the number as code)
  return null
}

export function mariaDownReason(w: Who, err: unknown): DownReason | null {
  const e = err as { code?: unknown; message?: unknown; fatal?: unknown } | null
  const msg = typeof e?.message === 'string' ? e.message : String(err)
  const code = typeof e?.code === 'string' ? e.code : ''
  const errno = errnoOf(err)
  const user = w.user ?? 'the SSH login user'
  switch (errno) {
    case ER.ACCESS_DENIED:
    case ER.ACCESS_DENIED_NO_PASSWORD: {
      // 1698: the account exists but does not take unix_socket (a password login of that name).
      const existing = errno === ER.ACCESS_DENIED_NO_PASSWORD ? ` If ${account(user, 'localhost')} exists with a password, let it log in by unix_socket too: ALTER USER ${account(user, 'localhost')} IDENTIFIED VIA mysql_native_password USING PASSWORD('its password') OR unix_socket;` : ''
      return {
        code: 'no_access',
        reason: `${label(w)}: MariaDB refused ${user} (${msg}). ReplicaDesk reads status as the SSH login user through the Unix socket with unix_socket authentication; as root on ${w.host} run: ${accessAdvice(user)}${existing}`,
      }
    }
    case ER.SPECIFIC_ACCESS_DENIED:
      return { code: 'no_access', reason: `${label(w)}: ${user} may not read the replication threads (${msg}). As root on ${w.host} run: GRANT ${STATUS_GRANTS.join(', ')} ON *.* TO ${account(user, 'localhost')};` }
    case ER.SERVER_SHUTDOWN:
      return { code: 'shutting_down', reason: `${label(w)}: MariaDB is shutting down (${msg}).` }
    case ER.STATEMENT_TIMEOUT:
      return { code: 'timeout', reason: `${label(w)}: the status query ran into its max_statement_time (${msg}); the server is overloaded or blocked.` }
    case ER.CONNECTION_KILLED:
    case ER.SERVER_LOST:
      return { code: 'connection_lost', reason: `${label(w)}: the MariaDB session ended (${msg}).` }
    case ER.CON_COUNT:
      return { code: 'query_failed', reason: `${label(w)}: MariaDB has no free connection (${msg}); raise max_connections or close idle clients.` }
    case null:
      break
    default:
      return { code: 'query_failed', reason: `${label(w)}: the status query failed: ${msg} (MariaDB error ${errno}).` }
  }
  if (code === 'PROTOCOL_CONNECTION_LOST' || code === 'ECONNRESET' || code === 'EPIPE') return { code: 'connection_lost', reason: `${label(w)}: the MariaDB session ended (${msg}).` }
  if (code === 'HANDSHAKE_NO_SSL_SUPPORT' || code.startsWith('PROTOCOL_') || code.startsWith('ER_')) return { code: 'query_failed', reason: `${label(w)}: MariaDB session failed: ${msg} (${code}).` }
  return null
}
