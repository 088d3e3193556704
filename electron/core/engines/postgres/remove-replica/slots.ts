// slots: the member's slot dropped on every other member (once free). The check reads them all
// on every attempt.
import { z } from 'zod'
import type { Step } from '../../../operations'
import type { RemoveReplicaParams } from '../remove-replica'
import { lit } from '../sql'
import { dropSlotSql, dropSlotWhenFree } from '../statements'
import type { RemoveReplicaOp } from './context'

export function slotsStep(op: RemoveReplicaOp): Step<RemoveReplicaParams> {
  const { others, remaining, nodeOf, slot } = op
  return {
    id: 'slots',
    title: `Drop the slot ${slot} everywhere`,
    hosts: remaining.map((m) => m.host),
    plan: () => remaining.map((m) => nodeOf(m).planned(nodeOf(m).psql([dropSlotSql(slot)]))),
    async check() {
      const found = await Promise.all(others.map((n) => n.json(`SELECT json_build_object('n', count(*)) FROM pg_replication_slots WHERE slot_name = ${lit(slot)}`, z.object({ n: z.number() }))))
      return found.every((f) => f.n === 0)
    },
    async run() {
      await Promise.all(others.map((n) => dropSlotWhenFree(n, slot)))
    },
  }
}
