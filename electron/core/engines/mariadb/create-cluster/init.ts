// init: the datadir claimed for this operation behind the data-dir guard (empty or missing,
// proven again on the server in the step), mariadb-install-db as mysql into it, then
// ReplicaDesk's option file. The check reads the host on every attempt (the claim, the
// install's marker, the option file's text). Undo gives back only what this operation made.
import type { Step } from '../../../operations'
import { explainGuardFailure } from '../add-replica/data-dir-guard'
import { CLAIM, RELEASE } from '../add-replica/scripts'
import type { CreateClusterParams } from '../create-cluster'
import { optionFileText } from '../conf'
import { isRunning, readConfig, removeConfigCommand, stopMember, writeConfig, writeConfigCommand } from '../instance'
import type { Command } from '../node'
import { installDbCommand, markInitialisedCommand, readInitState } from './claim'
import type { CreateClusterOp } from './context'

const claimCommand = (op: CreateClusterOp, opId: string): Command =>
  op.P.root(['sh', '-c', CLAIM, 'sh', op.key, opId, op.m.name, op.m.dataDir, 'none', op.prot], 'the data-dir guard (empty or missing only), then claims it for this operation and makes it mysql\'s')
/** An empty dir the admin made for the member, owned by another user: mysql's now (install-db runs as mysql). */
const ownCommand = (op: CreateClusterOp): Command => op.P.root(['sh', '-c', '[ "$(stat -c %U -- "$1")" = mysql ] || chown mysql:mysql -- "$1"', 'sh', op.m.dataDir], "makes it mysql's when it is not")
const releaseCommand = (op: CreateClusterOp, opId: string): Command => op.P.root(['sh', '-c', RELEASE, 'sh', op.key, opId, op.m.dataDir, op.prot])

export function initStep(op: CreateClusterOp): Step<CreateClusterParams> {
  const { c, m, P } = op
  return {
    id: 'init',
    title: `Initialise ${m.dataDir} on ${m.host}`,
    hosts: [m.host],
    weight: 3,
    plan: (ctx) => {
      const opId = ctx.operationId ?? 'OPERATION'
      return [claimCommand(op, opId), ownCommand(op), installDbCommand(op, opId), markInitialisedCommand(op, opId), writeConfigCommand(P)].map((x) => P.planned(x))
    },
    async check(ctx) {
      const [state, conf] = await Promise.all([readInitState(op), readConfig(P)])
      return state.claim?.operation === ctx.operationId && state.initialised === ctx.operationId && conf === optionFileText(c, m)
    },
    async run(ctx, report) {
      await P.run(claimCommand(op, ctx.operationId)).catch((err: unknown) => {
        throw explainGuardFailure(err, m.host, m.dataDir, 'write into')
      })
      await P.run(ownCommand(op))
      if ((await readInitState(op)).initialised !== ctx.operationId) {
        report({ message: 'mariadb-install-db' })
        await P.run(installDbCommand(op, ctx.operationId), { timeoutMs: 300_000 }).catch((err: unknown) => {
          throw explainGuardFailure(err, m.host, m.dataDir, 'write into')
        })
        await P.run(markInitialisedCommand(op, ctx.operationId))
      }
      await writeConfig(P, c)
    },
    async undo(ctx) {
      const state = await readInitState(op)
      if (state.claim?.operation !== ctx.operationId) return
      if (await isRunning(P)) await stopMember(P)
      await P.run(removeConfigCommand(P))
      await P.run(markInitialisedCommand(op, '-'))
      await P.run(releaseCommand(op, ctx.operationId), { timeoutMs: 120_000 }).catch((err: unknown) => {
        throw explainGuardFailure(err, m.host, m.dataDir, 'delete')
      })
    },
  }
}
