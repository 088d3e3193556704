// prepare: replication access on every member (pg_hba block, ~/.pgpass), the data dir claimed
// and created (Debian: pg_createcluster), slots for the new member on the other standbys,
// their synchronous_standby_names. The check reads the members' files and facts; the files
// pre-flight read a moment before in this attempt (Files) stand in for a second read of them,
// since nothing ran in between. The run acts on what its check read.
import type { Step, StepCommand } from '../../../operations'
import type { AddReplicaParams } from '../add-replica'
import { accessChange, accessPlan, applyAccess, clusterHbaBlock, hbaUpToDate, pgpassEntries, pgpassUpToDate, readState, type MemberState } from '../access'
import { pgError } from '../errors'
import { Handoff, type Attempt } from '../../handoff'
import { execTimeoutMs, isRunning, releaseDataDir, START_TIMEOUT_S, stopCommand } from '../instance'
import { debianConfDir, hbaFile, type PgMember } from '../model'
import type { Command } from '../node'
import { findPassword } from '../pgpass'
import { CLAIM } from '../scripts'
import { alterSystem, createSlotSql, dropSlotSql, monitorRoleSql } from '../statements'
import { syncNames } from '../sync'
import { hbaPathOf, located, newHbaPath, type AddReplicaHandoffs, type AddReplicaOp, type Files, type Located, type Up } from './context'

/** What prepare's check found: the members' files and what is still to do. */
interface Prepared {
  states: MemberState[]
  newState: MemberState
  block: string[]
  password: string
  primary: Up
  standbySql: Map<string, string[]>
  primarySql: string[]
  done: boolean
}

/** The members' files now: pg_hba.conf where each says it is, ~/.pgpass, the new member's claim. */
async function readFiles(op: AddReplicaOp, at: Located): Promise<Files> {
  const [states, newState] = await Promise.all([Promise.all(op.others.map((n) => readState(n, hbaPathOf(op, at.facts, n)))), readState(op.R, newHbaPath(op), true)])
  return { states, newState }
}

async function assessPrepare(op: AddReplicaOp, h: AddReplicaHandoffs, a: Attempt): Promise<Prepared> {
  const { c, member, others, role, slot } = op
  const at = await located(op, h.located, a)
  const up = at.up
  const factsOf = (m: PgMember) => (at.facts.find((f) => f.member.name === m.name && 'facts' in f) as Up | undefined)?.facts
  const { states, newState } = h.files.take(a) ?? (await readFiles(op, at))
  const block = clusterHbaBlock(c, [...states, newState])
  const primaryState = states.find((s) => s.node.name === up.member.name)!
  const password = findPassword(primaryState.pgpass, role)
  if (!password) {
    throw pgError('cluster_state', `The replication password of "${role}" is not in the postgres user's ~/.pgpass on ${up.member.host}, so ReplicaDesk cannot give it to ${member.host}. Adopt the cluster again: it sets a new password on every member.`, { host: up.member.host })
  }
  const entries = pgpassEntries(c.members)
  const standbySql = new Map<string, string[]>()
  for (const n of others) {
    if (n.name === up.member.name) continue
    const f = factsOf(n.member)
    const sql: string[] = []
    if (!f?.slots.some((s) => s.name === slot)) sql.push(createSlotSql([slot], false))
    const want = syncNames(c, n.name)
    if (f && f.syncNames !== want) sql.push(alterSystem('synchronous_standby_names', want))
    if (sql.length) standbySql.set(n.name, [...sql, 'SELECT pg_reload_conf()'])
  }
  const primarySql: string[] = []
  if (member.access === 'sudo' && newState.login && newState.login !== 'postgres' && !up.facts.roles.some((r) => r.name === newState.login && r.monitor)) {
    primarySql.push(...monitorRoleSql(newState.login))
  }
  const claimed = newState.claim?.operation === a.operationId
  const newReady = claimed && (member.layout === 'plain' || newState.hba !== undefined) && (member.layout === 'plain' || hbaUpToDate(newState, block))
  const done =
    newReady &&
    [...states, newState].every((s) => pgpassUpToDate(s, role, entries)) &&
    states.every((s) => hbaUpToDate(s, block)) &&
    standbySql.size === 0 &&
    primarySql.length === 0
  return { states, newState, block, password, primary: up, standbySql, primarySql, done }
}

const createNew = (op: AddReplicaOp, opId: string, mk: boolean): Command => op.R.pg(['sh', '-c', CLAIM, 'sh', op.key, opId, op.member.name, op.member.dataDir, mk ? 'yes' : 'no'], 'claims the data dir for this operation')
const makeDirAsRoot = (op: AddReplicaOp): Command => op.R.root(['install', '-d', '-o', 'postgres', '-g', 'postgres', '-m', '700', op.member.dataDir])
const createDebian = (op: AddReplicaOp): Command => op.R.pg(['pg_createcluster', op.major, op.member.debianName, '-p', String(op.member.port), '-d', op.member.dataDir])

/** The new member's side: its data dir claimed (and made), Debian's cluster, its access files. */
async function prepareNewMember(op: AddReplicaOp, a: Prepared, opId: string, needsRoot: boolean): Promise<void> {
  const { c, major, member, R } = op
  const entries = pgpassEntries(c.members)
  const claimedAlready = a.newState.claim?.operation === opId
  if (!claimedAlready || member.layout === 'debian' || needsRoot) {
    await R.run(createNew(op, opId, !needsRoot && member.layout === 'plain'))
    if (needsRoot) await R.run(makeDirAsRoot(op))
  }
  if (member.layout === 'debian' && a.newState.hba === undefined) {
    await R.run(createDebian(op), { timeoutMs: 120_000 })
    const made = await readState(R, hbaFile(member, major), true)
    await applyAccess(accessChange(made, c, a.block, a.password, entries, [], false))
    return
  }
  await applyAccess(accessChange(a.newState, c, a.block, a.password, entries, [], false))
}

export function prepareStep(op: AddReplicaOp, h: AddReplicaHandoffs): Step<AddReplicaParams> {
  const { c, major, member, R, others, all, slot } = op
  const checked = new Handoff<Prepared>("prepare's check: the members' files and what is still to do")
  return {
    id: 'prepare',
    title: `Give ${member.name} replication access and prepare ${member.dataDir}`,
    hosts: all.map((n) => n.host),
    plan: (ctx) => {
      const opId = ctx.operationId ?? 'OPERATION'
      const cmds: StepCommand[] = [R.planned(createNew(op, opId, true)), R.planned({ ...makeDirAsRoot(op), note: 'only when postgres cannot create it' })]
      if (member.layout === 'debian') cmds.push(R.planned(createDebian(op)))
      cmds.push(...accessPlan([...others.map((n) => ({ node: n, hbaPath: hbaFile(n.member, major), reload: true })), { node: R, hbaPath: newHbaPath(op), reload: false }]))
      for (const n of others) cmds.push(n.planned(n.psql([createSlotSql([slot], false), alterSystem('synchronous_standby_names', syncNames(c, n.name)), 'SELECT pg_reload_conf()'], 'on standbys: a slot for the new member, their synchronous_standby_names')))
      return cmds
    },
    check: async (ctx) => checked.put(ctx, await assessPrepare(op, h, ctx)).done,
    async run(ctx, report) {
      const a = checked.take(ctx) ?? (await assessPrepare(op, h, ctx))
      const entries = pgpassEntries(c.members)
      await Promise.all([
        prepareNewMember(op, a, ctx.operationId, h.preflighted.get(ctx)?.needsRoot ?? false),
        ...a.states.map(async (s) => {
          await applyAccess(accessChange(s, c, a.block, a.password, entries, [], true))
          const sql = s.node.name === a.primary.member.name ? a.primarySql : a.standbySql.get(s.node.name)
          if (sql?.length) await s.node.sql(sql)
        }),
      ])
      report({ message: `Replication access for ${member.name} on ${a.states.length + 1} members` })
    },
    async undo(ctx) {
      const at = await located(op, h.located, ctx)
      const states = await Promise.all(others.map((n) => readState(n, hbaPathOf(op, at.facts, n))))
      const block = clusterHbaBlock(c, states)
      const removed = pgpassEntries([member]).filter((e) => !others.some((o) => o.member.address === e.host && o.member.port === e.port))
      await Promise.all([
        ...states.map(async (s) => {
          await applyAccess(accessChange(s, c, block, undefined, pgpassEntries(others.map((o) => o.member)), removed, true))
          if (s.node.name !== at.up.member.name) {
            const want = syncNames(c, s.node.name, [member.name])
            await s.node.sql([dropSlotSql(slot), alterSystem('synchronous_standby_names', want), 'SELECT pg_reload_conf()'])
          }
        }),
        releaseNewMember(op, ctx.operationId),
      ])
    },
  }
}

/** Undo on the new member's host: only what this operation claimed goes. */
async function releaseNewMember(op: AddReplicaOp, opId: string): Promise<void> {
  const { c, major, member, R, others, prot } = op
  const own = await readState(R, undefined, true)
  if (own.claim?.operation !== opId) return
  // The passfile belongs to the host: keep it while another member lives there.
  if (!others.some((o) => o.host === R.host)) await applyAccess(accessChange(own, c, [], undefined, [], pgpassEntries(c.members), false))
  if (await isRunning(R)) await R.run(stopCommand(R), { timeoutMs: execTimeoutMs(START_TIMEOUT_S) })
  await releaseDataDir(R, opId, own.claim.made, prot)
  if (member.layout === 'debian') await R.run(R.pg(['rm', '-rf', '--', debianConfDir(member, major)]))
}
