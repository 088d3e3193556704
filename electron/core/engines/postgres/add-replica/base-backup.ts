// base-backup: pg_basebackup -X stream -C -S rd_<member>, with byte progress, behind the
// data-dir guard. The check reads the servers on every attempt (the copy's manifest and claim
// on the new member's host, the slot on the primary); the run acts on what its check read.
import type { Report, Step } from '../../../operations'
import type { AddReplicaParams } from '../add-replica'
import { readState } from '../access'
import { explainBackupFailure } from '../basebackup'
import { parseClaim } from '../claims'
import { conninfo } from '../conf'
import { clusterSysid, explainGuardFailure } from '../data-dir-guard'
import { pgError } from '../errors'
import { pgFacts } from '../facts'
import { Handoff } from '../../handoff'
import { execTimeoutMs, isRunning, START_TIMEOUT_S, stopCommand } from '../instance'
import type { PgMember } from '../model'
import type { Command } from '../node'
import { BasebackupProgressParser } from '../progress'
import { BACKUP_STATE, CLAIMED_FRESH, STOP_ORPHAN_COPY } from '../scripts'
import { lit } from '../sql'
import { dropSlotSql, dropSlotWhenFree } from '../statements'
import { allowFor, located, plannedPrimary, type AddReplicaHandoffs, type AddReplicaOp, type Up } from './context'

/** What base-backup's check read: is the data dir this operation's, and the slot on the primary. */
interface CopyState {
  own: boolean
  slot: { name: string; active: boolean } | undefined
}

const basebackupArgv = (op: AddReplicaOp, up: PgMember) => [
  op.R.tool('pg_basebackup'),
  '-d',
  conninfo({ host: up.address, port: up.port, user: op.role }),
  '-D',
  op.member.dataDir,
  '-X',
  'stream',
  '-C',
  '-S',
  op.slot,
  '--checkpoint=fast',
  '--progress',
  '--no-password',
]
const backupCommand = (op: AddReplicaOp, opId: string, up: PgMember, sysid: string): Command =>
  op.R.pg(['sh', '-c', CLAIMED_FRESH, 'sh', op.key, opId, op.member.dataDir, op.R.tool('pg_controldata'), allowFor(op, sysid), op.prot, ...basebackupArgv(op, up)], 'the data-dir guard, then empties the claimed data dir and copies the primary')
const stopOrphanCopy = (op: AddReplicaOp): Command => op.R.pg(['sh', '-c', STOP_ORPHAN_COPY, 'sh', op.member.dataDir], 'stops a copy left running by a ReplicaDesk that died')
const slotOnPrimary = async (op: AddReplicaOp, up: Up) =>
  (await op.nodeOf(up.member).json(`SELECT coalesce(json_agg(json_build_object('name', slot_name, 'active', active)), '[]') FROM pg_replication_slots WHERE slot_name = ${lit(op.slot)}`, pgFacts.shape.slots))[0]

/** Runs the copy with byte progress; pg_basebackup is quiet while it waits for the checkpoint. */
async function copy(op: AddReplicaOp, opId: string, up: Up, sysid: string, report: Report): Promise<void> {
  const { p, member, R } = op
  let lastReport = Date.now()
  const parser = new BasebackupProgressParser((pr) => {
    lastReport = Date.now()
    report({ ...pr, message: `Copying from ${up.member.name}` })
  })
  // pg_basebackup is quiet while it waits for the checkpoint, and late under load: the bar
  // hears from this step at least every 0.8 s whatever it prints.
  const heartbeat = setInterval(() => {
    if (Date.now() - lastReport < 800) return
    lastReport = Date.now()
    report(parser.last ? { ...parser.last, message: `Copying from ${up.member.name}` } : { message: `Waiting for a checkpoint on ${up.member.name}` })
  }, 200)
  try {
    await R.run(backupCommand(op, opId, up.member, sysid), { timeoutMs: p.backupTimeoutMs, onOutput: (stream, chunk) => stream === 'stderr' && parser.push(chunk) })
  } catch (err) {
    const refused = explainGuardFailure(err, member.host, member.dataDir, p.overwrite ? 'empty' : 'write into')
    if (refused !== err) throw refused
    throw explainBackupFailure(err, up.member, member.host, parser.messages())
  } finally {
    clearInterval(heartbeat)
  }
  if (parser.last) report({ bytesDone: parser.last.bytesTotal, bytesTotal: parser.last.bytesTotal })
}

export function baseBackupStep(op: AddReplicaOp, h: AddReplicaHandoffs): Step<AddReplicaParams> {
  const { member, R, nodeOf, key, slot, prot } = op
  const checked = new Handoff<CopyState>("base-backup's check: the data dir's claim and the slot on the primary")
  return {
    id: 'base-backup',
    title: `Copy the primary to ${member.host} (pg_basebackup)`,
    hosts: [member.host],
    weight: 20,
    plan: (ctx) => {
      const up = plannedPrimary(op)
      return [nodeOf(up).planned(nodeOf(up).psql([dropSlotSql(slot)], `only a leftover, inactive ${slot} from an earlier attempt`)), R.planned(backupCommand(op, ctx.operationId ?? 'OPERATION', up, 'SYSTEM_ID'))]
    },
    async check(ctx) {
      const { up } = await located(op, h.located, ctx)
      const [state, s] = await Promise.all([R.run(R.pg(['sh', '-c', BACKUP_STATE, 'sh', key, member.dataDir])), slotOnPrimary(op, up)])
      const lines = state.stdout.split('\n')
      const claim = parseClaim(lines.find((l) => l.startsWith('claim '))?.slice(6))
      const own = checked.put(ctx, { own: claim?.operation === ctx.operationId, slot: s }).own
      return own && lines.includes('manifest') && s !== undefined
    },
    async run(ctx, report) {
      const { up } = await located(op, h.located, ctx)
      const P = nodeOf(up.member)
      const { own, slot: s } = checked.take(ctx) ?? { own: false, slot: await slotOnPrimary(op, up) }
      // A copy left running can only be an earlier attempt's (its ReplicaDesk died).
      if (own && ctx.attempt > 1) await R.run(stopOrphanCopy(op))
      if (s?.active && own) {
        // Resuming our own copy after a crash: the orphaned copy of the dead process is
        // stopped; its slot is free once the primary notices.
        await dropSlotWhenFree(P, slot, 15_000)
      } else if (s?.active) {
        throw pgError('cluster_state', `The slot ${slot} on ${up.member.host} is in use by another connection; ReplicaDesk will not take it over.`, { host: up.member.host })
      } else if (s) await P.sql([dropSlotSql(slot)])
      await copy(op, ctx.operationId, up, h.preflighted.get(ctx)?.sysid ?? (await clusterSysid(P)), report)
    },
    async undo(ctx) {
      const { up } = await located(op, h.located, ctx)
      const own = await readState(R, undefined, true)
      if (own.claim?.operation === ctx.operationId) {
        await R.run(stopOrphanCopy(op))
        if (await isRunning(R)) await R.run(stopCommand(R), { timeoutMs: execTimeoutMs(START_TIMEOUT_S) })
        await R.run(R.pg(['sh', '-c', CLAIMED_FRESH, 'sh', key, ctx.operationId, member.dataDir, R.tool('pg_controldata'), 'none', prot, 'true'])).catch((err: unknown) => {
          throw explainGuardFailure(err, member.host, member.dataDir, 'empty')
        })
      }
      await dropSlotWhenFree(nodeOf(up.member), slot)
    },
  }
}
