// prepare: the datadir claimed for this operation (behind the guard) and made mysql's; on the
// primary, the replication account for the new member's address (same password) and the
// status login of its host's SSH user (both replicate to every member); on the new host, the
// replication password's option file (read as mysql on the primary, written over stdin: never
// in argv or the journal). The check reads all of it on every attempt; undo removes only what
// this operation claimed, and the account and file only when no other member uses them.
import type { Step } from '../../../operations'
import { dropReplicationAccountSql, loginUser, readPassword, replicationAccounts, replicationAccountsComplete, replicationHosts, replicationUserSql, statusLoginComplete, statusLoginGrants, statusLoginSql, writePasswordFile, writePasswordFileCommand } from '../access'
import { mariaError } from '../errors'
import { isRunning, stopMember } from '../instance'
import { replicationOptionFile, who } from '../model'
import { runSql, sqlCommand } from '../sql'
import { type AddReplicaOp, locate, ours, plannedPrimary, readCopyState, type Located } from './context'
import { explainGuardFailure } from './data-dir-guard'
import { allowOf, type AddReplicaParams } from './params'
import { CLAIM, RELEASE } from './scripts'

/** What prepare's check found. */
interface Prepared {
  at: Located
  password: string
  claimed: boolean
  /** SQL still to run on the primary (the account, the status login). */
  primarySql: string[]
  /** The new host's password file differs. */
  fileStale: boolean
}

const claimCommand = (op: AddReplicaOp, opId: string) => op.R.root(['sh', '-c', CLAIM, 'sh', op.key, opId, op.member.name, op.member.dataDir, allowOf(op.p), op.prot], 'the guard, then claims and makes the datadir for this operation')
export const releaseCommand = (op: AddReplicaOp, opId: string) => op.R.root(['sh', '-c', RELEASE, 'sh', op.key, opId, op.member.dataDir, op.prot], 'only a datadir this operation claimed: emptied, or removed when it made it')

async function assess(op: AddReplicaOp, opId: string): Promise<Prepared> {
  const { c, member, R } = op
  const at = await locate(op)
  const P = at.primary
  const [password, state, have, hosts, login, filePw] = await Promise.all([readPassword(P, c), readCopyState(op), replicationAccounts(P, c.replicationUser), replicationHosts(P, [member.address]), loginUser(R), readPassword(R, c)])
  if (!password) throw mariaError('cluster_state', `The replication password of cluster ${c.id} is not on ${P.host}, so ReplicaDesk cannot give it to ${member.host}. Adopt the cluster again: it sets it on every member.`, { host: P.host })
  const primarySql: string[] = []
  if (!replicationAccountsComplete(have, hosts, password)) primarySql.push(...replicationUserSql(c.replicationUser, hosts, password))
  const loginSql = statusLoginSql(login)
  if (loginSql.length && !statusLoginComplete(await statusLoginGrants(P, login))) primarySql.push(...loginSql)
  return { at, password, claimed: ours(state, opId) && state.dir, primarySql, fileStale: filePw !== password }
}

export function prepareStep(op: AddReplicaOp): Step<AddReplicaParams> {
  const { c, member, R, others } = op
  let checked: { opId: string; attempt: number; a: Prepared } | undefined
  return {
    id: 'prepare',
    title: `Claim ${member.dataDir} on ${member.host} and give ${member.name} replication access`,
    hosts: [member.host, ...new Set(others.map((n) => n.host))],
    plan: (ctx) => {
      const up = plannedPrimary(op)
      return [
        R.planned(claimCommand(op, ctx.operationId ?? 'OPERATION')),
        up.planned(sqlCommand(up, `CREATE USER / GRANT REPLICATION SLAVE for ${c.replicationUser}@${member.address} (the password's hash only), the status login of ${member.host}'s SSH user`)),
        R.planned(writePasswordFileCommand(R, c)),
      ]
    },
    async check(ctx) {
      const a = await assess(op, ctx.operationId)
      checked = { opId: ctx.operationId, attempt: ctx.attempt, a }
      return a.claimed && a.primarySql.length === 0 && !a.fileStale
    },
    async run(ctx, report) {
      const a = checked?.opId === ctx.operationId && checked.attempt === ctx.attempt ? checked.a : await assess(op, ctx.operationId)
      checked = undefined
      await R.run(claimCommand(op, ctx.operationId)).catch((err: unknown) => {
        throw explainGuardFailure(err, member.host, member.dataDir, 'use')
      })
      await Promise.all([a.primarySql.length ? runSql(a.at.primary, a.primarySql.join(';\n') + ';') : undefined, a.fileStale ? writePasswordFile(R, c, a.password) : undefined])
      report({ message: `${member.dataDir} claimed on ${member.host}; replication access for ${member.name} on ${who(a.at.up.member)}` })
    },
    async undo(ctx) {
      const state = await readCopyState(op)
      if (ours(state, ctx.operationId)) {
        if (await isRunning(R)) await stopMember(R)
        await R.run(releaseCommand(op, ctx.operationId), { timeoutMs: 600_000 }).catch((err: unknown) => {
          throw explainGuardFailure(err, member.host, member.dataDir, 'empty', true)
        })
      }
      // The password file belongs to the cluster on that host: kept while another member lives there.
      if (!others.some((o) => o.host === R.host)) await R.run(R.root(['rm', '-f', '--', replicationOptionFile(c)]))
      // The account of the new member's address, unless another member shares it.
      if (!others.some((o) => o.member.address === member.address)) {
        const at = await locate(op).catch(() => undefined)
        if (at) {
          const hosts = await replicationHosts(at.primary, [member.address])
          const keep = new Set(await replicationHosts(at.primary, others.map((o) => o.member.address)))
          const drop = hosts.filter((h) => !keep.has(h))
          if (drop.length) await runSql(at.primary, drop.map((h) => dropReplicationAccountSql(c.replicationUser, h)).join(';\n') + ';')
        }
      }
    },
  }
}
