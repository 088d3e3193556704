// read-only: `from` refuses writes — read_only = ON in its option file and on the server (SET
// GLOBAL read_only waits for commits in flight, bounded by lock_wait_timeout; a transaction
// still open then fails at its COMMIT), and its gtid_binlog_pos right after is handed to
// catch-up. The check judges pre-flight's read of this attempt (`from` answered writable: not
// done) so nothing is asked before writes stop; else (a resume) it reads `from` and `to`.
// catch-up: `to` has executed that position (MASTER_GTID_WAIT on `to`, bounded). A resume reads
// the position from `from` (read-only by then) again.
import type { Step } from '../../../operations'
import { mariaError } from '../errors'
import { who } from '../model'
import { promotedNow } from '../role-steps'
import { gtidContains, isUp, readRole, setReadOnlyCommand, setReadOnlyLine, threadsOf } from '../roles'
import { lit, runSql, sqlCommand, sqlValue } from '../sql'
import type { MariaSwitchoverParams } from '.'
import { readingOf, type SwitchoverHandoffs, type SwitchoverOp } from './context'

const readOnlySql = (waitS: number) => `SET SESSION lock_wait_timeout = ${waitS};\nSET GLOBAL read_only = ON;\nSELECT @@GLOBAL.gtid_binlog_pos;`

export function readOnlyStep(op: SwitchoverOp, h: SwitchoverHandoffs): Step<MariaSwitchoverParams> {
  const { p, F, T } = op
  return {
    id: 'read-only',
    title: `Stop writes on ${p.from} (read_only = ON)`,
    hosts: [F.host],
    plan: () => [F.planned(setReadOnlyCommand(F, true)), F.planned(sqlCommand(F, `SET GLOBAL read_only = ON (waits at most ${p.readOnlyWaitS} s for commits in flight), then reads gtid_binlog_pos`))],
    async check(ctx) {
      const judged = h.judged.get(ctx)
      if (judged) return false // pre-flight found `from` writable a moment ago, in this attempt
      if (await promotedNow(T)) return true
      const f = await readRole(F)
      return isUp(f) && f.facts.readOnly
    },
    async run(ctx, report) {
      const [rows] = await Promise.all([
        runSql(F, readOnlySql(p.readOnlyWaitS), { timeoutMs: (p.readOnlyWaitS + 20) * 1000 }).catch((err: unknown) => {
          throw mariaError('cluster_state', `${who(F.member)} could not be set read-only within ${p.readOnlyWaitS} s (${(err as Error).message}). A long transaction or a table lock holds it: end it and resume, or abandon.`, { host: F.host, member: F.name })
        }),
        setReadOnlyLine(F, true),
      ])
      const pos = (rows.at(-1)?.[0] ?? '').replace(/\s+/g, '')
      h.target.put(ctx, pos)
      report({ message: `${p.from} refuses writes; its last transaction: ${pos || 'none yet'}` })
    },
    // Before the promotion only: `from` takes writes again (unless it follows someone by now).
    async undo() {
      if (await promotedNow(T)) return
      const f = await readRole(F)
      if (isUp(f) && threadsOf(f)) return
      await runSql(F, 'SET GLOBAL read_only = OFF')
      await setReadOnlyLine(F, false)
    },
  }
}

/** `from`'s last position, as the read-only step handed it, else read now (it must be read-only by then). */
async function targetOf(op: SwitchoverOp, h: SwitchoverHandoffs, a: { operationId: string; attempt: number }): Promise<string> {
  const handed = h.target.get(a)
  if (handed !== undefined) return handed
  const { F } = op
  const f = await readRole(F)
  if (!isUp(f)) throw mariaError('cluster_state', `${who(F.member)} does not answer (${f.error}): the switchover cannot tell its last transaction. Start it again and resume, abandon, or use failover (which states the data at risk).`, { host: F.host, member: F.name })
  if (!f.facts.readOnly) throw mariaError('cluster_state', `${who(F.member)} accepts writes again (read_only is off): resume to set it read-only again, or abandon.`, { host: F.host, member: F.name })
  return f.facts.gtidBinlogPos
}

export function catchUpStep(op: SwitchoverOp, h: SwitchoverHandoffs): Step<MariaSwitchoverParams> {
  const { p, T } = op
  return {
    id: 'catch-up',
    title: `Wait until ${p.to} has executed ${p.from}'s last transaction`,
    hosts: [T.host],
    plan: () => [T.planned(sqlCommand(T, `SELECT MASTER_GTID_WAIT(<${p.from}'s gtid_binlog_pos>, ${p.catchUpTimeoutS})`))],
    async check(ctx) {
      const judged = h.judged.get(ctx)
      const target = h.target.get(ctx)
      if (judged && target !== undefined) {
        const t = readingOf(judged, T)
        return !!t && isUp(t) && gtidContains(t.facts.gtidCurrentPos, target)
      }
      if (await promotedNow(T)) return true
      const [target2, t] = await Promise.all([targetOf(op, h, ctx), readRole(T)])
      return isUp(t) && gtidContains(t.facts.gtidCurrentPos, target2)
    },
    async run(ctx, report) {
      const pos = await targetOf(op, h, ctx)
      const t0 = Date.now()
      const got = await sqlValue(T, `SELECT MASTER_GTID_WAIT(${lit(pos)}, ${p.catchUpTimeoutS})`, { timeoutMs: (p.catchUpTimeoutS + 30) * 1000 })
      if (got !== '0') {
        const t = await readRole(T)
        const thr = threadsOf(t)
        const why = thr ? `IO ${thr.ioRunning}, SQL ${thr.sqlRunning}${thr.lastSqlError ? `: ${thr.lastSqlError}` : thr.lastIoError ? `: ${thr.lastIoError}` : ''}` : (t.error ?? 'no replication')
        throw mariaError('cluster_state', `${who(T.member)} did not execute ${p.from}'s last transaction (${pos}) within ${p.catchUpTimeoutS} s (${why}). Nothing was promoted: abandon to make ${p.from} writable again, or fix ${p.to}'s replication (its error log on ${T.host}) and resume.`, { host: T.host, member: T.name })
      }
      report({ message: `${p.to} has every transaction of ${p.from} (${pos || 'none yet'}), waited ${Date.now() - t0} ms` })
    },
  }
}
