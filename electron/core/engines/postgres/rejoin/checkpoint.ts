// checkpoint: CHECKPOINT on the primary (else pg_rewind right after a promotion sees the old
// timeline and says "no rewind required"), pg_rewind's grants to the replication role, the
// ReplicaDesk pg_hba block and ~/.pgpass lines where stale, the slot rd_MEMBER. The check
// reads the primary and every member's files on every attempt; which members answered comes
// from pre-flight's read of this attempt (Located). The run acts on what its check read.
import { z } from 'zod'
import type { Step } from '../../../operations'
import type { RejoinParams } from '../rejoin'
import { accessChange, accessPlan, applyAccess, clusterHbaBlock, pgpassEntries, readState, type AccessChange } from '../access'
import { pgError } from '../errors'
import { Handoff } from '../../handoff'
import { hbaFile, type PgMember } from '../model'
import type { PgNode } from '../node'
import { findPassword } from '../pgpass'
import { isUp } from '../roles'
import { ident, lit } from '../sql'
import { createSlotSql } from '../statements'
import { hostsOf, located, plannedPrimary, type Located, type RejoinHandoffs, type RejoinOp } from './context'

/** The functions pg_rewind calls on its source, for a role that is not superuser. */
export const REWIND_FUNCTIONS = ['pg_catalog.pg_ls_dir(text, boolean, boolean)', 'pg_catalog.pg_stat_file(text, boolean)', 'pg_catalog.pg_read_binary_file(text)', 'pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean)'] as const

export const rewindGrantSql = (role: string) => `GRANT EXECUTE ON FUNCTION ${REWIND_FUNCTIONS.join(', ')} TO ${ident(role)}`
const rewindGrantedSql = (role: string) => REWIND_FUNCTIONS.map((f) => `has_function_privilege(${lit(role)}, ${lit(f)}, 'EXECUTE')`).join(' AND ')

const primaryFacts = z.object({ hba: z.string(), checkpointTli: z.number(), tli: z.number(), granted: z.boolean(), slot: z.boolean() })

/** What checkpoint's check read: the primary, and the access files still to change. */
interface Assessed {
  up: PgMember
  facts: z.infer<typeof primaryFacts>
  changes: AccessChange[]
}

const primaryQuery = (op: RejoinOp) => `SELECT json_build_object(
  'hba', current_setting('hba_file'),
  'checkpointTli', (SELECT timeline_id FROM pg_control_checkpoint()),
  'tli', ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int,
  'granted', ${rewindGrantedSql(op.role)},
  'slot', EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = ${lit(op.slot)})
)`

async function assessAccess(op: RejoinOp, at: Located): Promise<Assessed> {
  const { c, major, member, all, role } = op
  const up = at.up
  const P = op.nodeOf(up)
  const upNames = new Set([...at.seen, at.own].filter(isUp).map((s) => s.member.name))
  const hbaOf = async (n: PgNode): Promise<string> => {
    if (n === P || !upNames.has(n.name)) return hbaFile(n.member, major)
    return (await n.json(`SELECT json_build_object('hba', current_setting('hba_file'))`, z.object({ hba: z.string() })).catch(() => ({ hba: hbaFile(n.member, major) }))).hba
  }
  const facts = await P.json(primaryQuery(op), primaryFacts)
  const states = await Promise.all(all.map(async (n) => readState(n, n === P ? facts.hba : await hbaOf(n))))
  const block = clusterHbaBlock(c, states)
  const entries = pgpassEntries(c.members)
  const password = [states.find((s) => s.node === P), ...states].map((s) => s && findPassword(s.pgpass, role)).find(Boolean)
  const changes = states.map((s) => accessChange(s, c, block, password, entries, [], upNames.has(s.node.name))).filter((ch) => ch.hba || ch.pgpass !== undefined)
  const missingPgpass = states.some((s) => !findPassword(s.pgpass, role))
  if (!password && missingPgpass) {
    throw pgError('cluster_state', `The replication password of "${role}" is in no member's ~/.pgpass (postgres user), so ${member.host} cannot log in to ${up.name}. Adopt the cluster again: it sets a new password on every member.`, { host: up.host })
  }
  return { up, facts, changes }
}

export function checkpointStep(op: RejoinOp, h: RejoinHandoffs): Step<RejoinParams> {
  const { p, major, member, all, role, slot } = op
  const checked = new Handoff<Assessed>("checkpoint's check: the primary and the access files still to change")
  return {
    id: 'checkpoint',
    title: `CHECKPOINT on the primary; access for ${member.name}'s ${p.rebuild ? 'copy' : 'pg_rewind'}`,
    hosts: hostsOf(all),
    plan: () => {
      const P = op.nodeOf(plannedPrimary(op))
      return [
        P.planned(P.psql(['CHECKPOINT', 'SET synchronous_commit = local', rewindGrantSql(role), createSlotSql([slot], false)], `on the primary: a checkpoint on its timeline, pg_rewind's reads for ${role} (when missing), the slot ${slot}`)),
        ...accessPlan(all.map((n) => ({ node: n, hbaPath: hbaFile(n.member, major), reload: true }))).map((x) => ({ ...x, note: `${x.note ?? ''} (only where stale)`.trim() })),
      ]
    },
    async check(ctx) {
      const a = checked.put(ctx, await assessAccess(op, await located(op, h, ctx)))
      return a.facts.checkpointTli === a.facts.tli && a.facts.granted && a.facts.slot && a.changes.length === 0
    },
    async run(ctx, report) {
      const a = checked.take(ctx) ?? (await assessAccess(op, await located(op, h, ctx)))
      await Promise.all(a.changes.map((ch) => applyAccess(ch)))
      const P = op.nodeOf(a.up)
      // A commit on a primary whose synchronous standbys are away would wait for ever: the
      // grant is made durable locally (it replicates all the same).
      const sql = ['CHECKPOINT', ...(a.facts.granted ? [] : ['SET synchronous_commit = local', rewindGrantSql(role)]), createSlotSql([slot], false)]
      await P.sql(sql, { timeoutMs: 600_000 })
      const did = [`CHECKPOINT on ${a.up.name}`, ...(a.facts.granted ? [] : [`pg_rewind's functions granted to ${role}`]), ...(a.changes.length ? [`access refreshed on ${a.changes.map((ch) => ch.node.name).join(', ')}`] : [])]
      report({ message: did.join('; ') })
    },
  }
}
