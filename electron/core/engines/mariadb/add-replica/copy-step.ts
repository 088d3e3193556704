// copy: the primary's datadir streamed into the new member's (copy.ts: mariadb-backup on the
// primary → relayed through ReplicaDesk → mbstream on the replica, behind the guard, only into
// the datadir this operation claimed), with byte progress. Done when the claim is this
// operation's and its copy finished (claims/KEY.copied) and left a backup there. A resume first
// stops what a dead ReplicaDesk left running of an earlier attempt's copy, then copies again
// from an emptied datadir (a stream cannot be continued mid-way).
import type { Step } from '../../../operations'
import { mariaError } from '../errors'
import { backupArgv, backupTargetDir, copyDatadir, copySizeOf, receiveArgv } from '../copy'
import { who } from '../model'
import type { MariaNode } from '../node'
import { type AddReplicaOp, locate, ours, plannedPrimary, readCopyState } from './context'
import { explainGuardFailure } from './data-dir-guard'
import type { AddReplicaParams } from './params'
import { MARK_COPIED, STOP_ORPHANS } from './scripts'

const markCopied = (op: AddReplicaOp, opId: string) => op.R.root(['sh', '-c', MARK_COPIED, 'sh', op.key, opId])
const stopReceiver = (op: AddReplicaOp) => op.R.root(['sh', '-c', STOP_ORPHANS, 'sh', 'mbstream', op.member.dataDir], 'stops an mbstream left writing into the datadir by a ReplicaDesk that died')
const stopSender = (op: AddReplicaOp, P: MariaNode) => P.root(['sh', '-c', STOP_ORPHANS, 'sh', 'mariadb-backup', `--target-dir=${backupTargetDir(op.key)}`], 'stops a mariadb-backup of this copy left running by a ReplicaDesk that died')

/** Stops both ends of an earlier attempt's copy (a dead runner's channels may outlive it a moment). */
async function stopOrphans(op: AddReplicaOp, P: MariaNode | undefined): Promise<void> {
  await Promise.all([op.R.run(stopReceiver(op), { timeoutMs: 30_000 }), P?.run(stopSender(op, P), { timeoutMs: 30_000 })])
}

export function copyStep(op: AddReplicaOp): Step<AddReplicaParams> {
  const { p, member, R, prot, key } = op
  return {
    id: 'copy',
    title: `Copy the primary to ${member.host} (mariadb-backup, relayed)`,
    hosts: [member.host, ...new Set(op.others.map((n) => n.host))],
    weight: 20,
    plan: (ctx) => {
      const up = plannedPrimary(op)
      const opId = ctx.operationId ?? 'OPERATION'
      return [
        { host: up.host, argv: backupArgv(up.member, key), runAs: 'mysql', note: `streamed through ReplicaDesk's SSH connections into ${member.host} (no port opens between the hosts)` },
        { host: member.host, argv: receiveArgv(member, key, opId, prot), runAs: 'mysql', note: 'the data-dir guard, the claimed datadir emptied, then mbstream -x' },
        R.planned(markCopied(op, opId)),
      ]
    },
    async check(ctx) {
      const s = await readCopyState(op)
      return ours(s, ctx.operationId) && s.copied === ctx.operationId && (s.backup === 'full-backuped' || s.backup === 'log-applied')
    },
    async run(ctx, report) {
      const s = await readCopyState(op)
      if (!ours(s, ctx.operationId)) throw mariaError('cluster_state', `${member.dataDir} on ${member.host} is not claimed by this operation (any more); ReplicaDesk copies only into a datadir it claimed. Abandon the operation and start it again.`, { host: member.host })
      const { primary } = await locate(op)
      if (ctx.attempt > 1) await stopOrphans(op, primary)
      await R.run(markCopied(op, '-'))
      const sizeBytes = await copySizeOf(primary)
      try {
        await copyDatadir(op.hosts, { primary, replica: R, key, opId: ctx.operationId, prot, sizeBytes, timeoutMs: p.copyTimeoutMs, idleTimeoutMs: p.idleTimeoutMs }, report)
      } catch (err) {
        throw explainGuardFailure(err, member.host, member.dataDir, 'write into')
      }
      await R.run(markCopied(op, ctx.operationId))
      report({ message: `${who(member)} has a copy of ${who(primary.member)}` })
    },
    async undo(ctx) {
      const primary = await locate(op).then((at) => at.primary, () => undefined)
      await stopOrphans(op, primary)
      if (ours(await readCopyState(op), ctx.operationId)) await R.run(markCopied(op, '-'))
    },
  }
}
