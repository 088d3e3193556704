// stop: fast stop of the member, fenced for the rest of the operation (fence marker,
// standby.signal, Debian start.conf disabled), its own settings saved outside the data dir
// (pg_rewind and pg_basebackup copy the source's). The check reads the member on every
// attempt: done when this operation's rewind or copy finished, when it is stopped, fenced and
// its settings saved, or when it is joined already (a standby streaming from the primary,
// unfenced: nothing to redo).
import type { Step } from '../../../operations'
import type { RejoinParams } from '../rejoin'
import { execTimeoutMs } from '../instance'
import type { Command } from '../node'
import { fenceCommand, stopFastCommand } from '../roles'
import { REJOIN_SAVE } from '../rejoin-scripts'
import { AUTO_CONF, PLAIN_FILES } from './files'
import { dirState, located, readJoined, type RejoinHandoffs, type RejoinOp } from './context'

const fenceReason = (opId: string) => `rejoin ${opId} in progress`
const saveCommand = (op: RejoinOp): Command => op.R.pg(['sh', '-c', REJOIN_SAVE, 'sh', op.member.dataDir, op.key, AUTO_CONF, ...(op.isDebian ? [] : PLAIN_FILES)], 'its own settings, kept outside the data dir')

export function stopStep(op: RejoinOp, h: RejoinHandoffs): Step<RejoinParams> {
  const { member, R } = op
  return {
    id: 'stop',
    title: `Stop and fence ${member.name}`,
    hosts: [member.host],
    plan: (ctx) => [R.planned(stopFastCommand(R)), R.planned(fenceCommand(R, fenceReason(ctx.operationId ?? 'OPERATION'))), R.planned(saveCommand(op))],
    async check(ctx) {
      const { st, joined } = await readJoined(op, (await located(op, h, ctx)).up)
      return joined || st.done === ctx.operationId || (!st.running && st.fenced && st.saved)
    },
    async run(ctx, report) {
      const st = await dirState(op)
      if (st.running) await R.run(stopFastCommand(R), { timeoutMs: execTimeoutMs(120) })
      if (!st.fenced) await R.run(fenceCommand(R, fenceReason(ctx.operationId)))
      await R.run(saveCommand(op))
      report({ message: `${member.name} ${st.running ? 'stopped' : 'was not running'}; fenced until it streams again` })
    },
  }
}
