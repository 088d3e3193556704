// stop (rebuild): the member's server stopped, so the guard (which refuses any datadir a server
// runs on) lets the claim and the copy empty it. A fenced member is stopped already; its fence
// stays until the copy is there. Done when it is stopped, or once this operation claimed the
// datadir (later steps start it again on the copy: a resume must not stop it then).
import type { Step } from '../../../operations'
import { ours, readCopyState } from '../add-replica/context'
import { isRunning, stopCommands, stopMember } from '../instance'
import { who } from '../model'
import type { RejoinOp } from './context'
import type { RejoinParams } from './params'

export function stopStep(op: RejoinOp): Step<RejoinParams> {
  const { member, M, ar } = op
  return {
    id: 'stop',
    title: `Stop ${member.name} for its rebuild`,
    hosts: [member.host],
    plan: () => stopCommands(M).map((c) => M.planned(c)),
    check: async (ctx) => ours(await readCopyState(ar), ctx.operationId) || !(await isRunning(M)),
    async run(_ctx, report) {
      await stopMember(M)
      report({ message: `${who(member)} stopped` })
    },
  }
}
