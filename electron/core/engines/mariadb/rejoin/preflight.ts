// preflight: reads the member and the primary (located on the servers among the other members;
// changes nothing, so it runs on every attempt).
//   follow   the member answers: its GTIDs must all be the primary's (errant.ts), else the
//            pre-flight refuses and lists them, and says to rebuild. It does not answer: it is
//            stopped (fenced or not) and the follow step starts it read-only and judges the same
//            before it follows. Its host keeps the replication password (it followed before).
//   rebuild  the data-dir guard on the member's datadir (as root, mode check-own: the member's
//            own server is the only one allowed to run on it, the follow-up stop step stops it;
//            every hard refusal stands: another member's or a running server's datadir …), the
//            tools for the copy, the primary reachable from the member's host, the replication
//            password on the primary. Errant transactions, if any, are told (they go).
import type { Step } from '../../../operations'
import { locate, plannedPrimary, type Located } from '../add-replica/context'
import { checkDataDir, guardCommand, guardRefusal } from '../add-replica/data-dir-guard'
import { factsCommand } from '../add-replica/facts'
import { parseProbe } from '../add-replica/preflight'
import { PROBE } from '../add-replica/scripts'
import { readPassword } from '../access'
import { mariaError } from '../errors'
import { isFenced } from '../fence'
import { isRunning } from '../instance'
import { who } from '../model'
import { sqlCommand } from '../sql'
import { answered, checkNotPurged, errantOf, errantRefusal, readGtids, type RejoinOp } from './context'
import { errantCount, formatErrant } from './errant'
import type { RejoinParams } from './params'

const probeCommand = (op: RejoinOp, up: { address: string; port: number }) =>
  op.M.root(['sh', '-c', PROBE, 'sh', op.member.dataDir, String(op.member.port), up.address, String(up.port)], 'the tools for the copy, the primary reachable from here')

export function preflightStep(op: RejoinOp): Step<RejoinParams> {
  const { p, member, M, ar } = op
  const fail = (check: string, message: string, host = member.host): never => {
    throw mariaError('preflight_failed', message, { host, check })
  }
  return {
    id: 'preflight',
    title: p.rebuild ? `Check ${member.host} for a rebuild of ${member.name}` : `Check that ${member.name} can follow the primary`,
    hosts: p.cluster.members.map((m) => m.host),
    plan: () => {
      const up = plannedPrimary(ar)
      return [
        ...ar.others.map((n) => n.planned(factsCommand(n))),
        M.planned(sqlCommand(M, 'reads read_only and the GTID positions (binlog state, current, slave)')),
        up.planned(sqlCommand(up, 'reads the GTID positions (binlog state, current, slave)')),
        ...(p.rebuild ? [M.planned(guardCommand(M, member.dataDir, 'any', ar.prot, true)), M.planned(probeCommand(op, up.member))] : []),
      ]
    },
    check: async () => false,
    async run(_ctx, report) {
      const at = await locate(ar)
      if (at.up.member.name === member.name) fail('role', `${who(member)} is the primary; there is nothing to rejoin.`)
      const [mine, theirs, fenced] = await Promise.all([readGtids(M), readGtids(at.primary), isFenced(M)])
      if (!answered(theirs)) return fail('primary', `The primary ${who(at.up.member)} does not answer: ${theirs.error}. Try again once it does.`, at.up.member.host)
      const errant = answered(mine) ? errantOf(mine, theirs) : []
      const state = `${fenced ? 'fenced, ' : ''}${answered(mine) ? `at ${mine.gtidCurrentPos || 'nothing yet'}${mine.readOnly ? '' : ', accepting writes'}` : 'not running'}`
      if (p.rebuild) return report({ message: await checkRebuild(op, at, errant.length ? ` It has ${errantCount(errant)} errant transaction(s) (${formatErrant(errant)}): they are deleted with its data.` : '', state) })
      if (errant.length) throw errantRefusal(member, at.up.member, errant, theirs.gtidBinlogPos)
      if (answered(mine)) await checkNotPurged(member, at.primary, mine.gtidCurrentPos)
      if (!answered(mine) && (await isRunning(M))) fail('member', `${who(member)} runs but does not answer: ${mine.error}. Look at its error log, then try again.`)
      if (!(await readPassword(M, p.cluster))) fail('password', `The replication password of cluster ${p.cluster.id} is not on ${member.host}, so ${member.name} cannot log in to the primary. Rejoin it with rebuild (it sets it there), or adopt the cluster again.`)
      report({
        message: answered(mine)
          ? `${member.name} (${state}) has nothing the primary ${who(at.up.member)} lacks: it follows it`
          : `${member.name} is ${state}: it is started read-only, judged, then follows the primary ${who(at.up.member)}`,
      })
    },
  }
}

/** The rebuild's checks; the report's message. */
async function checkRebuild(op: RejoinOp, at: Located, errantNote: string, state: string): Promise<string> {
  const { member, M, ar } = op
  const [guarded, probe, password] = await Promise.all([
    checkDataDir(M, member.dataDir, 'any', ar.prot, true),
    M.run(probeCommand(op, at.up.member)).then((r) => parseProbe(r.stdout)),
    readPassword(at.primary, op.p.cluster),
  ])
  if (guarded.verdict === 4 && guarded.refusal) throw guardRefusal(member.host, member.dataDir, guarded.refusal, 'empty', true)
  if (guarded.verdict < 0) throw mariaError('preflight_failed', `ReplicaDesk could not check ${member.dataDir} on ${member.host} (the guard gave no verdict), so it deletes nothing there. Check that sudo -n works there, then try again.`, { host: member.host, check: 'data_dir_guard' })
  for (const tool of ['mariadbd', 'mariadb-backup', 'mbstream', 'mariadb']) {
    if (!probe.tools[tool]) throw mariaError('preflight_failed', `${member.host} has no ${tool}, which the copy needs. Install mariadb-server, mariadb-backup and mariadb-client there, then try again.`, { host: member.host, check: 'tools' })
  }
  if (!probe.reach) throw mariaError('preflight_failed', `${member.host} cannot reach the primary ${who(at.up.member)} at ${at.up.member.address}:${at.up.member.port}. Check bind-address on the primary and any firewall between them.`, { host: member.host, check: 'reach' })
  if (!password) throw mariaError('cluster_state', `The replication password of cluster ${op.p.cluster.id} is not on ${at.up.member.host}. Adopt the cluster again: it sets it on every member.`, { host: at.up.member.host })
  return `${member.name} (${state}) is rebuilt from ${who(at.up.member)}: ${member.dataDir} (${guarded.size ?? guarded.content}) is emptied and copied again.${errantNote}`
}
