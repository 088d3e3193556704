// prepare-backup: `mariadb-backup --prepare` on the copy (as mysql): the redo log the copy
// carried is applied, so the datadir is consistent at the position the backup recorded. Done
// when xtrabackup_checkpoints says log-applied. A prepare stopped half-way is run again (it
// starts from the backup's checkpoint each time).
import type { Step } from '../../../operations'
import { mariaError } from '../errors'
import { who } from '../model'
import { type AddReplicaOp, ours, readCopyState } from './context'
import type { AddReplicaParams } from './params'

const PREPARE_TIMEOUT_MS = 3600_000

const prepareCommand = (op: AddReplicaOp) => op.R.mysql(['mariadb-backup', '--prepare', `--target-dir=${op.member.dataDir}`], 'applies the redo log the copy carried')

export function prepareBackupStep(op: AddReplicaOp): Step<AddReplicaParams> {
  const { member, R } = op
  return {
    id: 'prepare-backup',
    title: `Make the copy on ${member.host} consistent (mariadb-backup --prepare)`,
    hosts: [member.host],
    weight: 2,
    plan: () => [R.planned(prepareCommand(op))],
    async check(ctx) {
      const s = await readCopyState(op)
      return ours(s, ctx.operationId) && s.copied === ctx.operationId && s.backup === 'log-applied'
    },
    async run(ctx, report) {
      const s = await readCopyState(op)
      if (!ours(s, ctx.operationId) || s.copied !== ctx.operationId) {
        throw mariaError('cluster_state', `The copy in ${member.dataDir} on ${member.host} is not this operation's finished copy; ReplicaDesk prepares only its own. Resume the operation from its copy step, or abandon it.`, { host: member.host })
      }
      report({ message: `Applying the redo log in ${member.dataDir}` })
      const r = await R.run(prepareCommand(op), { timeoutMs: PREPARE_TIMEOUT_MS, okExitCodes: [0, 1] })
      if (r.exitCode !== 0) {
        const why = r.stderr.trim().split('\n').slice(-4).join(' | ')
        throw mariaError('cluster_state', `mariadb-backup --prepare failed on ${who(member)}: ${why || `exit ${r.exitCode}`}. Resume the operation to try again, or abandon it (the copy is removed).`, { host: member.host })
      }
      report({ message: `The copy on ${member.host} is consistent` })
    },
  }
}
