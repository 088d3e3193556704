// stop-replication: the member stops replicating and forgets its primary (STOP SLAVE; RESET
// SLAVE ALL), so it cannot start replicating again by itself; then stop: its server stops
// (Debian: its unit disabled too, so a reboot does not bring it back). Each check reads the
// member on every attempt.
import type { Step } from '../../../operations'
import { readFacts } from '../add-replica/facts'
import { DEBIAN_UNIT } from '../model'
import { isRunning, stopCommands, stopMember } from '../instance'
import { runSql, sqlCommand } from '../sql'
import type { RemoveReplicaOp } from './context'
import type { RemoveReplicaParams } from './params'

export function stopReplicationStep(op: RemoveReplicaOp): Step<RemoveReplicaParams> {
  const { member, R } = op
  return {
    id: 'stop-replication',
    title: `${member.name} stops replicating`,
    hosts: [member.host],
    plan: () => [R.planned(sqlCommand(R, 'STOP SLAVE; RESET SLAVE ALL'))],
    async check() {
      const read = await readFacts(R)
      return !('facts' in read) || read.facts.slaves.length === 0
    },
    async run() {
      await runSql(R, 'STOP SLAVE;\nRESET SLAVE ALL;')
    },
  }
}

const disable = (op: RemoveReplicaOp) => op.R.root(['systemctl', 'disable', DEBIAN_UNIT])

export function stopStep(op: RemoveReplicaOp): Step<RemoveReplicaParams> {
  const { member, R } = op
  return {
    id: 'stop',
    title: `Stop ${member.name}`,
    hosts: [member.host],
    plan: () => [...stopCommands(R), ...(member.layout === 'debian' ? [disable(op)] : [])].map((x) => R.planned(x)),
    async check() {
      if (await isRunning(R)) return false
      return member.layout !== 'debian' || (await R.run(R.root(['systemctl', 'is-enabled', '-q', DEBIAN_UNIT]), { okExitCodes: [0, 1] })).exitCode !== 0
    },
    async run() {
      await stopMember(R)
      if (member.layout === 'debian') await R.run(disable(op))
    },
  }
}
