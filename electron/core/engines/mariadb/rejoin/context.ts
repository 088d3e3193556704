// What every step of a rejoin works from: the params, the member's node, the add-replica
// context its rebuild and catch-up steps run on (add-replica/context.ts: the primary located on
// the servers, the datadir's claim), and the one read a rejoin decides on: the GTID positions of
// the member and of the primary, and the errant transactions between them (errant.ts).
import { AppError } from '../../../../../shared/errors'
import type { Step } from '../../../operations'
import type { HostExec, HostPipe } from '../../host-exec'
import { addReplicaOp, type AddReplicaOp } from '../add-replica/context'
import type { AddReplicaParams } from '../add-replica/params'
import { mariaError } from '../errors'
import { who, type MariaMember } from '../model'
import type { MariaNode } from '../node'
import { lit, runSql, runSqlNamed } from '../sql'
import { errantCount, errantGtids, formatErrant, purgedDomains, type ErrantRange } from './errant'
import { addParamsOf, type RejoinParams } from './params'

export interface RejoinOp {
  p: RejoinParams
  member: MariaMember
  /** The rejoining member's node. */
  M: MariaNode
  /** The add-replica context of the same member (its steps, its locate). */
  ar: AddReplicaOp
}

export function rejoinOp(hosts: HostExec & HostPipe, p: RejoinParams): RejoinOp {
  const ar = addReplicaOp(hosts, addParamsOf(p))
  return { p, member: ar.member, M: ar.R, ar }
}

/** An add-replica step run as a step of the rejoin (its params are the add-replica view of ours). */
export function asRejoinStep(op: RejoinOp, s: Step<AddReplicaParams>): Step<RejoinParams> {
  const params = op.ar.p
  return {
    id: s.id,
    title: s.title,
    hosts: s.hosts,
    ...(s.weight !== undefined && { weight: s.weight }),
    plan: (ctx) => s.plan({ ...ctx, params }),
    check: (ctx) => s.check({ ...ctx, params }),
    run: (ctx, report) => s.run({ ...ctx, params }, report),
    ...(s.undo && { undo: (ctx) => s.undo!({ ...ctx, params }) }),
  }
}

export interface Gtids {
  readOnly: boolean
  gtidBinlogState: string
  gtidBinlogPos: string
  gtidSlavePos: string
  gtidCurrentPos: string
}

export const GTIDS_SQL = 'SELECT @@read_only, @@gtid_binlog_state, @@gtid_binlog_pos, @@gtid_slave_pos, @@gtid_current_pos'

/** A member's GTID positions now; `error` when it does not answer. */
export async function readGtids(n: MariaNode): Promise<Gtids | { error: string }> {
  try {
    const row = (await runSql(n, GTIDS_SQL, { timeoutMs: 15_000 }))[0] ?? []
    const v = (i: number) => (row[i] ?? '').replace(/\s+/g, '')
    return { readOnly: row[0] === '1', gtidBinlogState: v(1), gtidBinlogPos: v(2), gtidSlavePos: v(3), gtidCurrentPos: v(4) }
  } catch (err) {
    if (err instanceof AppError) return { error: err.message }
    throw err
  }
}

export const answered = (g: Gtids | { error: string }): g is Gtids => !('error' in g)

/** The member's transactions the primary lacks. */
export const errantOf = (mine: Gtids, primary: Gtids): ErrantRange[] => errantGtids(mine, primary)

/** The refusal when the member has errant transactions: the GTIDs, and what to do. */
export function errantRefusal(member: MariaMember, primary: MariaMember, errant: readonly ErrantRange[], primaryPos: string): AppError {
  const n = errantCount(errant)
  const list = formatErrant(errant)
  return mariaError(
    'preflight_failed',
    `${who(member)} has ${n === 1 ? 'a transaction' : `up to ${n} transactions`} that the primary ${who(primary)} does not have (errant GTIDs: ${list}; the primary is at ${primaryPos || 'nothing yet'}). It cannot simply follow: its data and the primary's have diverged. Rebuild it from a fresh copy of the primary (rejoin with rebuild: everything in its datadir is deleted, those transactions included), or save what you need from it by hand first.`,
    { host: member.host, check: 'errant', errant: list, errantCount: n },
  )
}

/** The Gtid_list its oldest binary log starts with (the state before it); undefined: no binary log. */
export async function firstLogGtidList(n: MariaNode): Promise<string | undefined> {
  const first = (await runSqlNamed(n, 'SHOW BINARY LOGS', { timeoutMs: 15_000 }))[0]?.Log_name
  if (!first) return undefined
  const events = await runSqlNamed(n, `SHOW BINLOG EVENTS IN ${lit(first)} LIMIT 4`, { timeoutMs: 15_000 })
  return /^\[(.*)\]$/.exec(events.find((e) => e.Event_type === 'Gtid_list')?.Info ?? '')?.[1] ?? ''
}

/** Refuses when the primary's binary logs no longer reach back to the member's position. */
export async function checkNotPurged(member: MariaMember, primary: MariaNode, memberPos: string): Promise<void> {
  const purged = purgedDomains(memberPos, (await firstLogGtidList(primary)) ?? '')
  if (!purged.length) return
  const where = purged.map((d) => `domain ${d.domain}: ${member.name} is at ${d.has}, the oldest binary log of ${primary.name} starts after ${d.startsAfter}`).join('; ')
  throw mariaError('preflight_failed', `The primary ${who(primary.member)} no longer has the binary logs ${who(member)} needs to catch up (${where}). It cannot simply follow: rebuild it from a fresh copy of the primary (rejoin with rebuild).`, { host: member.host, check: 'binlog' })
}
