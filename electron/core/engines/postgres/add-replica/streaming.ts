// streaming: wait until the primary's pg_stat_replication shows the new member streaming; its
// own slots for the other members (without reserving WAL). The check reads both on every
// attempt.
import { z } from 'zod'
import { AppError } from '../../../../../shared/errors'
import type { Step } from '../../../operations'
import type { AddReplicaParams } from '../add-replica'
import { pgError } from '../errors'
import { slotName } from '../model'
import { lit } from '../sql'
import { createSlotSql } from '../statements'
import { located, plannedPrimary, type AddReplicaHandoffs, type AddReplicaOp } from './context'

const waitSql = (op: AddReplicaOp, timeoutMs: number) => `DO $rd$
DECLARE deadline timestamptz := clock_timestamp() + ${lit(`${Math.ceil(timeoutMs / 1000)} s`)}::interval;
BEGIN
  LOOP
    EXIT WHEN EXISTS (SELECT 1 FROM pg_stat_replication WHERE application_name = ${lit(op.member.name)} AND state = 'streaming');
    IF clock_timestamp() > deadline THEN RAISE EXCEPTION 'replicadesk: not streaming'; END IF;
    PERFORM pg_sleep(0.01);
  END LOOP;
END $rd$`

export function streamingStep(op: AddReplicaOp, h: AddReplicaHandoffs): Step<AddReplicaParams> {
  const { p, member, R, others, nodeOf } = op
  const otherSlots = () => others.map((n) => slotName(n.name))
  const streamingQuery = `SELECT json_build_object('streaming', EXISTS (SELECT 1 FROM pg_stat_replication WHERE application_name = ${lit(member.name)} AND state = 'streaming'))`
  return {
    id: 'streaming',
    title: `Wait until ${member.name} streams`,
    hosts: [member.host],
    plan: () => {
      const up = plannedPrimary(op)
      return [nodeOf(up).planned(nodeOf(up).psql([waitSql(op, p.streamTimeoutMs)], 'waits on pg_stat_replication')), R.planned(R.psql([createSlotSql(otherSlots(), false)], 'slots it needs if it becomes primary'))]
    },
    async check(ctx) {
      const { up } = await located(op, h.located, ctx)
      const [s, slots] = await Promise.all([nodeOf(up.member).json(streamingQuery, z.object({ streaming: z.boolean() })), R.json(`SELECT coalesce(json_agg(slot_name), '[]') FROM pg_replication_slots`, z.array(z.string()))])
      return s.streaming && otherSlots().every((x) => slots.includes(x))
    },
    async run(ctx, report) {
      const { up } = await located(op, h.located, ctx)
      await Promise.all([
        nodeOf(up.member)
          .sql([waitSql(op, p.streamTimeoutMs)], { timeoutMs: p.streamTimeoutMs + 30_000 })
          .catch((err: unknown) => {
            if (err instanceof AppError && /replicadesk: not streaming/.test(err.message)) {
              throw pgError('not_streaming', `${member.name} on ${member.host} started but did not stream from ${up.member.name} within ${Math.round(p.streamTimeoutMs / 1000)} s. Look at its log on ${member.host}; when it is fixed, resume the operation.`, { host: member.host })
            }
            throw err
          }),
        R.sql([createSlotSql(otherSlots(), false)]),
      ])
      report({ message: `${member.name} streams from ${up.member.name}` })
    },
  }
}
