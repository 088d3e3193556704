// Why a member is down, read from PostgreSQL's own errors (SQLSTATE): the server shutting
// down, the status role refused (with the exact grants to fix it), the poll's statement
// timeout, no free connection slot. Anything else is left to status/ (null). A killed
// postmaster's backends leave with 57P01 too, the code of an administrator's shutdown: their
// message tells it apart (in English; other languages get "shutting down" until stopped.ts
// finds no live postmaster).
import type { DownReason, Who } from '../../engine'

const label = (w: Who) => `${w.name} on ${w.host}`

const SHUTTING_DOWN: Record<string, string> = {
  '57P01': 'is shutting down (administrator command)',
  '57P02': 'is restarting after a crash of one of its processes',
  '57P03': 'is starting up or shutting down and does not accept connections yet',
  '57P04': 'dropped the database it connected to',
}

export function pgDownReason(w: Who, err: unknown): DownReason | null {
  const e = err as { code?: unknown; message?: unknown } | null
  const sqlstate = typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined
  if (!sqlstate) return null
  const msg = typeof e?.message === 'string' ? e.message : String(err)
  if (sqlstate === '57P01' && /unexpected postmaster exit/i.test(msg)) return { code: 'not_running', reason: `${label(w)}: PostgreSQL is not running on ${w.host}: its postmaster exited unexpectedly (killed or crashed).` }
  if (SHUTTING_DOWN[sqlstate]) return { code: 'shutting_down', reason: `${label(w)}: PostgreSQL ${SHUTTING_DOWN[sqlstate]}.` }
  if (sqlstate === '28000' || sqlstate === '28P01' || sqlstate === '3D000' || sqlstate === '42501') {
    const user = w.user ?? 'the SSH login user'
    return {
      code: 'no_access',
      reason: `${label(w)}: PostgreSQL refused ${user} (${msg}). ReplicaDesk reads status as the SSH login user through the Unix socket: create a role of that name with pg_monitor (CREATE ROLE "${user}" LOGIN; GRANT pg_monitor TO "${user}") and allow it by peer authentication in pg_hba.conf (local postgres ${user} peer), or log in as postgres.`,
    }
  }
  if (sqlstate === '57014') return { code: 'timeout', reason: `${label(w)}: the status query ran into its statement timeout (${msg}); the server is overloaded or blocked.` }
  if (sqlstate === '53300') return { code: 'query_failed', reason: `${label(w)}: PostgreSQL has no free connection slot (${msg}).` }
  return { code: 'query_failed', reason: `${label(w)}: the status query failed: ${msg} (SQLSTATE ${sqlstate}).` }
}
