// caught-up: done when both replication threads run (Slave_IO_Running and Slave_SQL_Running
// Yes) and the replica executed everything the primary had written when this step started
// (its gtid_binlog_pos then, awaited with MASTER_GTID_WAIT, bounded). A thread stopped with an
// error fails the step at once with the server's own message.
import type { Step } from '../../../operations'
import { mariaError } from '../errors'
import { who } from '../model'
import { lit, sqlCommand, sqlValue } from '../sql'
import { gtidDistance, parseGtidPosition } from '../gtid'
import { type AddReplicaOp, locate } from './context'
import { defaultSlave, readFacts } from './facts'
import type { AddReplicaParams } from './params'

const POLL_S = 1

/** The replica executed `pos` (0: yes; waits up to `seconds`). */
const waited = async (op: AddReplicaOp, pos: string, seconds: number) => (await sqlValue(op.R, `SELECT MASTER_GTID_WAIT(${lit(pos)}, ${seconds})`, { timeoutMs: (seconds + 30) * 1000 })) === '0'

export function caughtUpStep(op: AddReplicaOp): Step<AddReplicaParams> {
  const { p, member, R } = op
  return {
    id: 'caught-up',
    title: `Wait until ${member.name} has caught up`,
    hosts: [member.host],
    plan: () => [R.planned(sqlCommand(R, "SHOW ALL SLAVES STATUS and SELECT MASTER_GTID_WAIT(<the primary's gtid_binlog_pos>, 1), until both threads run and it is reached"))],
    async check() {
      const [at, read] = await Promise.all([locate(op), readFacts(R)])
      const s = 'facts' in read ? defaultSlave(read.facts) : undefined
      return s?.ioRunning === 'Yes' && s.sqlRunning === 'Yes' && (await waited(op, at.up.facts.gtidBinlogPos, 0))
    },
    async run(_ctx, report) {
      const at = await locate(op)
      const target = at.up.facts.gtidBinlogPos
      const deadline = Date.now() + p.catchUpTimeoutMs
      for (;;) {
        const read = await readFacts(R)
        if (!('facts' in read)) throw mariaError('cluster_state', `${who(member)} does not answer: ${read.error}. Look at its error log, then resume.`, { host: member.host })
        const s = defaultSlave(read.facts)
        if (!s) throw mariaError('not_streaming', `${who(member)} has no replication configured any more. Resume the operation (it configures it again).`, { host: member.host })
        const error = s.ioRunning === 'No' ? s.lastIoError : s.sqlRunning === 'No' ? s.lastSqlError : null
        if (s.ioRunning === 'No' || s.sqlRunning === 'No') {
          throw mariaError('not_streaming', `${who(member)} stopped replicating from ${who(at.up.member)}: ${error ?? `IO thread ${s.ioRunning}, SQL thread ${s.sqlRunning}`}. Fix that, then resume.`, { host: member.host, io: s.ioRunning, sql: s.sqlRunning })
        }
        const behind = gtidDistance(parseGtidPosition(target), parseGtidPosition(read.facts.gtidCurrentPos)).behind
        report({ message: `${member.name}: IO ${s.ioRunning}, SQL ${s.sqlRunning}, ${behind} transaction${behind === 1 ? '' : 's'} behind ${target || 'the start'}` })
        if (s.ioRunning === 'Yes' && (await waited(op, target, POLL_S))) break
        if (Date.now() > deadline) {
          throw mariaError('not_streaming', `${who(member)} replicates (IO ${s.ioRunning}, SQL ${s.sqlRunning}) but did not reach ${who(at.up.member)}'s position ${target} within ${Math.round(p.catchUpTimeoutMs / 1000)} s (${behind} transactions behind). It may just be slow: resume the operation to wait again.`, { host: member.host })
        }
        if (s.ioRunning !== 'Yes') await new Promise((r) => setTimeout(r, POLL_S * 1000))
      }
      report({ message: `${member.name} has caught up with ${who(at.up.member)} (${target || 'nothing written yet'})` })
    },
  }
}
