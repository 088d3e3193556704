// apply: `to` executes everything it received before it is promoted (the promotion's RESET
// SLAVE ALL would throw its relay log away): MASTER_GTID_WAIT on its own received position
// (Gtid_IO_Pos merged with what it executed), bounded by applyTimeoutS. The check judges the
// survivors' read handed along (done when `to` had executed all it received), else reads `to`.
// verify: the reachable replicas replicate from `to` (those that do not are named: rejoin them).
import type { Step } from '../../../operations'
import { mariaError } from '../errors'
import { who } from '../model'
import type { Handed } from '../role-steps'
import { gtidContains, isPrimaryNow, isUp, readRole, receivedGtid, threadsOf, type MariaReading } from '../roles'
import { lit, sqlCommand, sqlValue } from '../sql'
import { waitReplicating } from '../switchover/steps'
import type { MariaFailoverParams } from '.'
import type { FailoverOp } from './context'

const applied = (t: MariaReading) => isPrimaryNow(t) || (isUp(t) && gtidContains(t.facts.gtidCurrentPos, receivedGtid(t) ?? ''))

export function applyStep(op: FailoverOp, handed: Handed): Step<MariaFailoverParams> {
  const { p, T } = op
  const readT = (a: { operationId: string; attempt: number }) => handed(a)?.find((s) => s.member === T.name)
  return {
    id: 'apply',
    title: `${p.to} executes everything it received (at most ${p.applyTimeoutS} s)`,
    hosts: [T.host],
    plan: () => [T.planned(sqlCommand(T, `SELECT MASTER_GTID_WAIT(<its Gtid_IO_Pos>, ${p.applyTimeoutS}): its relay log applied before the promotion`))],
    async check(ctx) {
      return applied(readT(ctx) ?? (await readRole(T)))
    },
    async run(ctx, report) {
      const t = readT(ctx) ?? (await readRole(T))
      if (!isUp(t)) throw mariaError('cluster_state', `${who(T.member)} does not answer (${t.error}). Nothing was promoted: resume once it runs, or make the plan again for another member.`, { host: T.host, member: T.name })
      const pos = receivedGtid(t) ?? ''
      const t0 = Date.now()
      const got = await sqlValue(T, `SELECT MASTER_GTID_WAIT(${lit(pos)}, ${p.applyTimeoutS})`, { timeoutMs: (p.applyTimeoutS + 30) * 1000 })
      if (got !== '0') {
        const thr = threadsOf(await readRole(T))
        throw mariaError('cluster_state', `${who(T.member)} did not execute what it received (${pos}) within ${p.applyTimeoutS} s (SQL thread ${thr?.sqlRunning ?? '?'}${thr?.lastSqlError ? `: ${thr.lastSqlError}` : ''}). Nothing was promoted: fix its replication (its error log on ${T.host}) and resume, or abandon.`, { host: T.host, member: T.name })
      }
      report({ message: `${p.to} executed everything it received (${pos || 'nothing'}) in ${Date.now() - t0} ms` })
    },
  }
}

export function verifyStep(op: FailoverOp): Step<MariaFailoverParams> {
  const { p, T, others } = op
  return {
    id: 'verify',
    title: `Verify that the replicas replicate from ${p.to}`,
    hosts: [T.host, ...others.map((n) => n.host)],
    plan: () => others.map((n) => n.planned(n.mysql(['mariadb', '…'], `SHOW ALL SLAVES STATUS until both threads run from ${p.to}`))),
    check: async () => false,
    async run(_ctx, report) {
      const r = await waitReplicating(others, T.member, p.streamTimeoutS)
      const missing = r.missing.map((m) => `${m.member} (${m.why})`)
      report({ message: `${r.ok.join(', ') || 'no replica'} replicate${r.ok.length === 1 ? 's' : ''} from ${p.to}${missing.length ? `; not replicating: ${missing.join(', ')} (rejoin them)` : ''}${r.down.length ? `; not reachable: ${r.down.join(', ')}` : ''}` })
    },
  }
}
