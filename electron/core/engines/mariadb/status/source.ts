// The MariaDB engine's StatusSource (engines/engine.ts), as status/ asks for it: one mysql2
// session per member over SSH stream-local (session.ts), one round trip per sample
// (query.ts), the figures from the samples (derive.ts), MariaDB's errors read (reasons.ts), a
// lost member looked at on its host (stopped.ts: not running since when, how its log ends).
import type { StatusMemberInput, StatusSource } from '../../engine'
import { socketOf } from '../model'
import { derive } from './derive'
import type { MariaSample } from '../sample'
import { mariaDownReason } from './reasons'
import { MariaSession } from './session'
import { explainMariaDown } from './stopped'

/** The member's socket: given by statusMembers; else the plain layout's default for its port. */
export const endpointOf = (m: Pick<StatusMemberInput, 'socketPath' | 'port'>) => m.socketPath ?? socketOf({ layout: 'plain', port: m.port })

export const mariadbStatus: StatusSource<MariaSample> = {
  serverName: 'MariaDB',
  endpoint: endpointOf,
  open: (ssh, member, o) => MariaSession.open(ssh, { target: member.target, socketPath: endpointOf(member), ...o }),
  derive,
  downReason: mariaDownReason,
  explainDown: explainMariaDown,
}
