// access: the member's addresses out of the pg_hba blocks, its ~/.pgpass lines out,
// everywhere; its data dir's claim goes (it is no operation's any more). The check reads every
// member's files on every attempt; where each member's pg_hba.conf is comes from the facts
// read earlier in this attempt (Located).
import type { Step } from '../../../operations'
import type { RemoveReplicaParams } from '../remove-replica'
import { accessChange, accessPlan, applyAccess, clusterHbaBlock, hbaUpToDate, pgpassEntries, pgpassUpToDate, readState } from '../access'
import { claimKey } from '../claims'
import type { Attempt, Handoff } from '../../handoff'
import { hbaFile } from '../model'
import { hbaPathOf, located, type Located, type RemoveReplicaOp } from './context'

/** Every member's files now: those that stay (pg_hba.conf, ~/.pgpass), and the member's own (with its claim). */
async function readFiles(op: RemoveReplicaOp, h: Handoff<Located>, a: Attempt) {
  const at = await located(op, h, a)
  return Promise.all([Promise.all(op.others.map((n) => readState(n, hbaPathOf(op, at, n)))), readState(op.R, undefined, true)])
}

export function accessStep(op: RemoveReplicaOp, h: Handoff<Located>): Step<RemoveReplicaParams> {
  const { c, major, member, R, others, role, removedEntries } = op
  // The passfile stays while another member lives on its host.
  const shared = others.some((o) => o.host === R.host)
  return {
    id: 'access',
    title: `Take ${member.name} out of pg_hba.conf and the passfiles`,
    hosts: c.members.map((m) => m.host),
    plan: () => accessPlan([...others.map((n) => ({ node: n, hbaPath: hbaFile(n.member, major), reload: true })), { node: R, reload: false }]),
    async check(ctx) {
      const [states, own] = await readFiles(op, h, ctx)
      const block = clusterHbaBlock(c, states)
      return states.every((s) => hbaUpToDate(s, block) && pgpassUpToDate(s, role, [], removedEntries)) && (shared || pgpassUpToDate(own, role, [], pgpassEntries(c.members))) && own.claim === undefined
    },
    async run(ctx) {
      const [states, own] = await readFiles(op, h, ctx)
      const block = clusterHbaBlock(c, states)
      await Promise.all([
        ...states.map((s) => applyAccess(accessChange(s, c, block, undefined, [], removedEntries, true))),
        ...(shared ? [] : [applyAccess(accessChange(own, c, [], undefined, [], pgpassEntries(c.members), false))]),
        // The member is gone: its data dir is no operation's any more (an add may overwrite it when confirmed).
        R.run(R.pg(['sh', '-c', 'rm -f -- "$HOME/.replicadesk/claims/$1"', 'sh', claimKey(member.dataDir)])),
      ])
    },
  }
}
