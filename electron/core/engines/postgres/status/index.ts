// Live status of PostgreSQL members, as status/ asks for it (engines/engine.ts StatusSource):
// one node-postgres session per member over SSH stream-local (session.ts), one statement per
// sample (query.ts), the figures from the samples (derive.ts), SQLSTATEs read (reasons.ts), a
// lost member looked at on its host (stopped.ts: not running since when, how its log ends).
import type { StatusSource } from '../../engine'
import { derive } from './derive'
import { socketPathOf } from './members'
import type { RawSample } from './query'
import { pgDownReason } from './reasons'
import { DbSession } from './session'
import { explainPgDown } from './stopped'

export const postgresStatus: StatusSource<RawSample> = {
  serverName: 'PostgreSQL',
  endpoint: socketPathOf,
  open: (ssh, member, o) => DbSession.open(ssh, { target: member.target, socketPath: socketPathOf(member), ...o }),
  derive,
  downReason: pgDownReason,
  explainDown: explainPgDown,
}

export { statusMembers, socketPathOf } from './members'
export type { RawSample } from './query'
