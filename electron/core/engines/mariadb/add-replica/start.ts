// start: the member's option file (its own server_id, port, socket, binary log … as every member
// has them, plus read_only = ON: a replica refuses writes from the start, and after every
// restart) written as root, then the server started (plain: mariadbd as mysql in its own
// session; Debian: its unit, enabled for boot) and waited for. Only on this operation's own,
// prepared copy. The check reads the server on every attempt: it runs from this datadir, with
// this server_id, read-only, on this option file.
import type { Step } from '../../../operations'
import { optionFileText } from '../conf'
import { mariaError } from '../errors'
import { enableCommands, isRunning, readConfig, removeConfigCommand, startCommands, startMember, stopMember, writeConfigCommand } from '../instance'
import { DEBIAN_UNIT, who, type MariaCluster, type MariaMember } from '../model'
import { type AddReplicaOp, ours, readCopyState } from './context'
import { readFacts } from './facts'
import type { AddReplicaParams } from './params'

/** The replica's option file: the member's settings, and read_only. */
export function replicaOptionText(c: MariaCluster, m: MariaMember): string {
  // A replica's commits never wait for semi-sync replicas of its own (roles.ts REPLICA_SEMI_SYNC).
  return optionFileText(c, m).replace(/^\[mariadbd\]$/m, '[mariadbd]\nread_only = ON\nrpl_semi_sync_master_wait_no_slave = OFF')
}

/** The option file is one ReplicaDesk wrote for this member of this cluster (its first line says so). */
const writtenFor = (text: string | undefined, c: MariaCluster, m: MariaMember) => text?.split('\n')[0]?.includes(`member ${m.name} of cluster ${c.id}`) === true

export function startStep(op: AddReplicaOp): Step<AddReplicaParams> {
  const { c, member, R } = op
  const text = replicaOptionText(c, member)
  return {
    id: 'start',
    title: `Start ${member.name} read-only`,
    hosts: [member.host],
    plan: () => [R.planned(writeConfigCommand(R)), ...startCommands(R).map((x) => R.planned(x)), ...enableCommands(R).map((x) => R.planned(x))],
    async check() {
      const [read, conf] = await Promise.all([readFacts(R), readConfig(R)])
      return 'facts' in read && read.facts.readOnly && read.facts.serverId === member.serverId && read.facts.dataDir === member.dataDir.replace(/(.)\/+$/, '$1') && conf === text
    },
    async run(ctx, report) {
      const s = await readCopyState(op)
      if (!ours(s, ctx.operationId) || s.backup !== 'log-applied') {
        throw mariaError('cluster_state', `${member.dataDir} on ${member.host} does not hold this operation's prepared copy; ReplicaDesk starts a replica only on that. Abandon the operation and start it again.`, { host: member.host })
      }
      const conf = await readConfig(R)
      if (conf !== text) {
        // A running server of this datadir started on other settings: it restarts on these.
        if (conf !== undefined && (await isRunning(R))) await stopMember(R)
        await R.run(writeConfigCommand(R), { stdin: text })
      }
      await startMember(R)
      for (const cmd of enableCommands(R)) await R.run(cmd)
      const read = await readFacts(R)
      if (!('facts' in read) || !read.facts.readOnly) {
        throw mariaError('cluster_state', `${who(member)} started but ${'facts' in read ? 'is not read-only' : `does not answer: ${read.error}`}. Look at its error log on ${member.host}, then resume.`, { host: member.host })
      }
      report({ message: `${member.name} runs read-only on port ${member.port}` })
    },
    async undo(ctx) {
      if (!ours(await readCopyState(op), ctx.operationId)) return
      if (await isRunning(R)) await stopMember(R)
      if (writtenFor(await readConfig(R), c, member)) await R.run(removeConfigCommand(R))
      // Debian: the datadir is given back empty; the unit would fail on it at every boot.
      if (member.layout === 'debian') await R.run(R.root(['systemctl', 'disable', DEBIAN_UNIT]))
    },
  }
}
