// unfence: the fence marker and the saved files go: last but for sync, so a crash leaves the
// member fenced. The check reads the member on every attempt.
import type { Step } from '../../../operations'
import type { RejoinParams } from '../rejoin'
import type { Command } from '../node'
import { unfenceCommand } from '../roles'
import { REJOIN_FORGET } from '../rejoin-scripts'
import { dirState, type RejoinOp } from './context'

const forgetCommand = (op: RejoinOp): Command => op.R.pg(['sh', '-c', REJOIN_FORGET, 'sh', op.key], 'the saved settings go')

export function unfenceStep(op: RejoinOp): Step<RejoinParams> {
  const { member, R, isDebian } = op
  return {
    id: 'unfence',
    title: `Lift ${member.name}'s fence`,
    hosts: [member.host],
    plan: () => [R.planned(unfenceCommand(R)), R.planned(forgetCommand(op))],
    async check() {
      const st = await dirState(op)
      return !st.fenced && !st.saved && st.startConf !== 'disabled'
    },
    async run(_ctx, report) {
      await R.run(unfenceCommand(R))
      await R.run(forgetCommand(op))
      report({ message: `${member.name} is no longer fenced${isDebian ? ' (start.conf restored)' : ''}` })
    },
  }
}
