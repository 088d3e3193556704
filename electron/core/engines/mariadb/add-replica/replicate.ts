// replicate: the new member follows the primary from the position its copy was taken at:
//   SET GLOBAL gtid_slave_pos = '<the GTID position the backup recorded>';
//   CHANGE MASTER TO MASTER_HOST=<primary address>, MASTER_PORT, MASTER_USER=<replication user>,
//     MASTER_PASSWORD=<read on the replica's host from the mysql-only option file>,
//     MASTER_USE_GTID=slave_pos;
//   START SLAVE;
// The statements are built on the server by a script run as mysql (REPLICATE): the password
// never crosses ReplicaDesk (argv, journal, activity log). Once replication is configured the
// position is never set again (it may have applied events since): a resume only starts it.
import type { Step } from '../../../operations'
import { testReplicationLogin } from '../access'
import { mariaError } from '../errors'
import { replicationOptionFile, socketOf, who } from '../model'
import { lit, runSql } from '../sql'
import { type AddReplicaOp, locate, ours, plannedPrimary, readCopyState } from './context'
import { defaultSlave, readFacts } from './facts'
import type { AddReplicaParams } from './params'

/**
 * As mysql on the replica: HEAD, the password from FILE as a SQL string, then TAIL, into the
 * server on SOCKET. The password is one of access.ts's ([A-Za-z0-9]); anything that would need
 * quoting is refused. Args: FILE SOCKET HEAD TAIL.
 */
export const REPLICATE = String.raw`set -eu
f=$1 sock=$2 head=$3 tail=$4
pw=$(sed -n 's/^password=//p' "$f" | head -n 1)
[ -n "$pw" ] || { echo "no password in $f" >&2; exit 3; }
case $pw in *[!A-Za-z0-9._~+/=-]*) echo "the password in $f has characters ReplicaDesk does not quote" >&2; exit 3 ;; esac
printf "%s'%s'%s\n" "$head" "$pw" "$tail" | mariadb --no-defaults --socket="$sock" --batch --skip-column-names --connect-timeout=10`

/** The statements around the password (no secret in them: they travel as arguments). */
export function replicateSql(gtid: string, up: { address: string; port: number }, user: string): { head: string; tail: string } {
  return {
    head: `STOP SLAVE;\nRESET SLAVE ALL;\nSET GLOBAL gtid_slave_pos = ${lit(gtid)};\nCHANGE MASTER TO MASTER_HOST = ${lit(up.address)}, MASTER_PORT = ${up.port}, MASTER_USER = ${lit(user)}, MASTER_PASSWORD = `,
    tail: `, MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 5;\nSTART SLAVE;`,
  }
}

const replicateCommand = (op: AddReplicaOp, gtid: string, up: { address: string; port: number }) => {
  const { head, tail } = replicateSql(gtid, up, op.c.replicationUser)
  return op.R.mysql(['sh', '-c', REPLICATE, 'sh', replicationOptionFile(op.c), socketOf(op.member), head, tail], 'the password read from the option file on this host, never sent by ReplicaDesk')
}

export function replicateStep(op: AddReplicaOp): Step<AddReplicaParams> {
  const { c, member, R } = op
  return {
    id: 'replicate',
    title: `${member.name} replicates from the primary (GTID)`,
    hosts: [member.host, ...new Set(op.others.map((n) => n.host))],
    plan: () => [R.planned(replicateCommand(op, 'GTID_OF_THE_COPY', plannedPrimary(op).member))],
    async check() {
      const [at, read] = await Promise.all([locate(op), readFacts(R)])
      const s = 'facts' in read ? defaultSlave(read.facts) : undefined
      return s !== undefined && s.masterHost === at.up.member.address && s.masterPort === at.up.member.port && s.usingGtid === 'Slave_Pos' && s.sqlRunning === 'Yes' && s.ioRunning !== 'No'
    },
    async run(ctx, report) {
      const [at, read, state] = await Promise.all([locate(op), readFacts(R), readCopyState(op)])
      const up = at.up.member
      if (!('facts' in read)) throw mariaError('cluster_state', `${who(member)} does not answer: ${read.error}. Resume once it runs.`, { host: member.host })
      const s = defaultSlave(read.facts)
      if (s && s.masterHost === up.address && s.masterPort === up.port) {
        // Configured by an earlier attempt: it may have applied events since; only (re)start it.
        await runSql(R, 'START SLAVE')
        return report({ message: `${member.name} replicates from ${who(up)} again` })
      }
      if (!ours(state, ctx.operationId) || state.gtid === undefined) {
        throw mariaError('cluster_state', `${member.dataDir} on ${member.host} holds no position recorded by this operation's copy (xtrabackup_binlog_info), so ReplicaDesk cannot tell where ${member.name} starts. Abandon the operation and add the replica again.`, { host: member.host })
      }
      await testReplicationLogin(R, c, up)
      await R.run(replicateCommand(op, state.gtid, up))
      report({ message: `${member.name} replicates from ${who(up)} from GTID ${state.gtid || '(none yet)'}` })
    },
    async undo(ctx) {
      if (!ours(await readCopyState(op), ctx.operationId)) return
      const read = await readFacts(R)
      if ('facts' in read && read.facts.slaves.length) await runSql(R, 'STOP SLAVE;\nRESET SLAVE ALL;')
    },
  }
}
