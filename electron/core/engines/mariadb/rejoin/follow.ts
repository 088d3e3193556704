// follow: the member follows the primary by GTID.
//   1. A stopped member is started read-only: read_only = ON in its option file first, then its
//      server started (a fenced member too, past the fence's start guard: it comes up read-only,
//      and the marker stays until it follows, so a crash here never leaves a writable member).
//   2. read_only = ON now, then its GTIDs and the primary's read again: anything written on it
//      since the pre-flight (a user with READ_ONLY ADMIN) makes it refuse, with the GTIDs.
//   3. roles.follow: CHANGE MASTER TO … MASTER_USE_GTID = slave_pos after
//      SET GLOBAL gtid_slave_pos = @@gtid_current_pos, START SLAVE.
// Why slave_pos from current_pos, and not MASTER_USE_GTID = current_pos: after a promotion the
// old primary's gtid_slave_pos is stale (the position it last replicated to, before it was
// promoted; its own writes since are only in its binary log), so slave_pos alone would ask the
// new primary for transactions it already has, and fail on them (duplicate keys) or apply them
// twice. gtid_current_pos is what it has executed, its own writes included, and errant.ts has
// just proven all of it is the primary's. Copied into gtid_slave_pos it becomes a fixed start:
// from then on slave_pos counts replicated transactions only, so a write on the member later
// (which read_only should prevent) never moves the position silently as current_pos would; and
// every other role change of the engine (add-replica, switchover) uses slave_pos too.
// unfence: once it follows (both threads configured, SQL thread running), the fence marker is
// removed (and on Debian the unit enabled again): from then on it starts as any replica.
import type { Step } from '../../../operations'
import { locate, plannedPrimary } from '../add-replica/context'
import { mariaError } from '../errors'
import { isFenced, unfence, unfenceCommand } from '../fence'
import { NOT_FENCED } from '../fence/scripts'
import { execTimeoutMs, isRunning, START_TIMEOUT_S, startCommands, startMember } from '../instance'
import { who, type MariaMember } from '../model'
import { follow, followCommand, follows, readRole, setReadOnlyCommand, setReadOnlyLine, threadsOf } from '../roles'
import { runSql, sqlCommand } from '../sql'
import { answered, checkNotPurged, errantOf, errantRefusal, readGtids, type RejoinOp } from './context'
import type { RejoinParams } from './params'

/** It follows `up` with read_only on and its SQL thread running (the IO thread may still connect). */
async function followsNow(op: RejoinOp, up: MariaMember): Promise<boolean> {
  const r = await readRole(op.M)
  return follows(r, up) && r.readOnly === true && threadsOf(r)?.sqlRunning === 'Yes' && threadsOf(r)?.ioRunning !== 'No'
}

/** Starts a stopped member read-only; a fenced one past the fence's guard (the marker stays). */
async function startReadOnly(op: RejoinOp): Promise<void> {
  const { M } = op
  await setReadOnlyLine(M, true)
  if (!(await isFenced(M))) return startMember(M)
  for (const c of startCommands(M).filter((x) => !x.argv.includes(NOT_FENCED))) {
    const r = await M.run(c, { timeoutMs: execTimeoutMs(START_TIMEOUT_S), okExitCodes: [0, 1, 3, 5] })
    if (r.exitCode !== 0) throw mariaError('cluster_state', `Could not start ${who(M.member)} read-only: ${(r.stderr.trim() || r.stdout.trim()).split('\n').slice(-4).join(' | ')}. Look at its error log, then resume.`, { host: M.host })
  }
}

export function followStep(op: RejoinOp): Step<RejoinParams> {
  const { p, member, M, ar } = op
  return {
    id: 'follow',
    title: `${member.name} follows the primary (read-only, GTID)`,
    hosts: [member.host, ...new Set(ar.others.map((n) => n.host))],
    plan: () => {
      const up = plannedPrimary(ar).member
      return [M.planned(setReadOnlyCommand(M, true)), ...startCommands(M).map((c) => M.planned(c)), M.planned(sqlCommand(M, 'SET GLOBAL read_only = ON, then its GTIDs read again and judged against the primary\'s')), M.planned(followCommand(p.cluster, M, up))]
    },
    async check() {
      const at = await locate(ar)
      return followsNow(op, at.up.member)
    },
    async run(_ctx, report) {
      const at = await locate(ar)
      if (!(await isRunning(M))) {
        report({ message: `Starting ${member.name} read-only` })
        await startReadOnly(op)
      }
      await setReadOnlyLine(M, true)
      await runSql(M, 'SET GLOBAL read_only = ON')
      const [mine, theirs] = await Promise.all([readGtids(M), readGtids(at.primary)])
      if (!answered(mine)) throw mariaError('cluster_state', `${who(member)} does not answer: ${mine.error}. Look at its error log, then resume.`, { host: member.host })
      if (!answered(theirs)) throw mariaError('cluster_state', `The primary ${who(at.up.member)} does not answer: ${theirs.error}. Resume once it does.`, { host: at.up.member.host })
      const errant = errantOf(mine, theirs)
      if (errant.length) throw errantRefusal(member, at.up.member, errant, theirs.gtidBinlogPos)
      await checkNotPurged(member, at.primary, mine.gtidCurrentPos)
      await follow(p.cluster, M, at.up.member)
      report({ message: `${member.name} follows ${who(at.up.member)} from ${mine.gtidCurrentPos || 'the start'}` })
    },
  }
}

export function unfenceStep(op: RejoinOp, after: 'follows' | 'copied'): Step<RejoinParams> {
  const { member, M, ar } = op
  return {
    id: 'unfence',
    title: `Remove ${member.name}'s fence, if any`,
    hosts: [member.host],
    plan: () => [M.planned(unfenceCommand(M))],
    check: async () => !(await isFenced(M)),
    async run(_ctx, report) {
      // Follow path: only once it follows. Rebuild: its datadir is now the primary's copy, and
      // the start step writes read_only = ON into its option file before it starts it.
      if (after === 'follows') {
        const at = await locate(ar)
        if (!(await followsNow(op, at.up.member))) throw mariaError('cluster_state', `${who(member)} does not follow ${who(at.up.member)} (read-only, SQL thread running), so its fence stays. Resume the rejoin.`, { host: member.host })
      }
      await unfence(M)
      report({ message: `${member.name} is no longer fenced` })
    },
  }
}
