// rebuild (confirmed instead of rewind): the data dir emptied behind the data-dir guard and
// copied afresh with pg_basebackup, with byte progress. The check reads the member on every
// attempt: done when this operation's copy finished.
import { AppError } from '../../../../../shared/errors'
import type { Step } from '../../../operations'
import type { RejoinParams } from '../rejoin'
import { explainBackupFailure } from '../basebackup'
import { conninfo } from '../conf'
import { clusterSysid, explainGuardFailure } from '../data-dir-guard'
import { pgError } from '../errors'
import { mb } from '../format'
import type { PgMember } from '../model'
import type { Command } from '../node'
import { BasebackupProgressParser } from '../progress'
import { REJOIN_REBUILD } from '../rejoin-scripts'
import { STOP_ORPHAN_COPY } from '../scripts'
import { dirState, located, plannedPrimary, type RejoinHandoffs, type RejoinOp } from './context'

const basebackupArgv = (op: RejoinOp, up: PgMember) => [op.R.tool('pg_basebackup'), '-d', conninfo({ host: up.address, port: up.port, user: op.role }), '-D', op.member.dataDir, '-X', 'stream', '--checkpoint=fast', '--progress', '--no-password']
const rebuildCommand = (op: RejoinOp, opId: string, up: PgMember, sysid: string): Command =>
  op.R.pg(['sh', '-c', REJOIN_REBUILD, 'sh', op.member.dataDir, op.key, opId, op.R.tool('pg_controldata'), sysid, op.prot, ...basebackupArgv(op, up)], `the data-dir guard, then empties ${op.member.dataDir} and copies the primary`)
const stopOrphanCopy = (op: RejoinOp): Command => op.R.pg(['sh', '-c', STOP_ORPHAN_COPY, 'sh', op.member.dataDir], 'stops a copy left running by a ReplicaDesk that died')

export function rebuildStep(op: RejoinOp, h: RejoinHandoffs): Step<RejoinParams> {
  const { p, member, R, at } = op
  return {
    id: 'rebuild',
    title: `Copy the primary to ${member.host} afresh (pg_basebackup)`,
    hosts: [member.host],
    weight: 20,
    plan: (ctx) => [R.planned(stopOrphanCopy(op)), R.planned(rebuildCommand(op, ctx.operationId ?? 'OPERATION', plannedPrimary(op), 'SYSTEM_ID'))],
    check: async (ctx) => (await dirState(op)).done === ctx.operationId,
    async run(ctx, report) {
      const { up } = await located(op, h, ctx)
      await R.run(stopOrphanCopy(op))
      let lastReport = Date.now()
      const parser = new BasebackupProgressParser((pr) => {
        lastReport = Date.now()
        report({ ...pr, message: `Copying from ${up.name}` })
      })
      const heartbeat = setInterval(() => {
        if (Date.now() - lastReport < 800) return
        lastReport = Date.now()
        report(parser.last ? { ...parser.last, message: `Copying from ${up.name}` } : { message: `Waiting for a checkpoint on ${up.name}` })
      }, 200)
      try {
        await R.run(rebuildCommand(op, ctx.operationId, up, await clusterSysid(op.nodeOf(up))), { timeoutMs: p.copyTimeoutMs, onOutput: (stream, chunk) => stream === 'stderr' && parser.push(chunk) })
      } catch (err) {
        const refused = explainGuardFailure(err, member.host, member.dataDir, 'empty', true)
        if (refused !== err) throw refused
        if (err instanceof AppError && err.code === 'command_failed' && /exit 3\)/.test(err.message)) {
          throw pgError('cluster_state', `${at} runs again: ReplicaDesk empties only a stopped data dir. Stop it, then resume the rejoin.`, { host: member.host })
        }
        throw explainBackupFailure(err, up, member.host, parser.messages())
      } finally {
        clearInterval(heartbeat)
      }
      if (parser.last) report({ bytesDone: parser.last.bytesTotal, bytesTotal: parser.last.bytesTotal, message: `Copied ${mb(parser.last.bytesTotal)} from ${up.name}` })
    },
  }
}
