// The SQL statements steps send to change a member: settings, slots, monitoring roles.
import { z } from 'zod'
import { pgError } from './errors'
import type { PgNode } from './node'
import { lit } from './sql'

export const alterSystem = (key: string, value: string) => `ALTER SYSTEM SET ${key} = ${lit(value)}`

export function createSlotSql(slots: readonly string[], reserve: boolean): string {
  const arr = `ARRAY[${slots.map(lit).join(', ')}]::text[]`
  return `SELECT count(pg_create_physical_replication_slot(s, ${reserve})) FROM unnest(${arr}) AS s WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = s)`
}

export const dropSlotSql = (slot: string) => `SELECT count(pg_drop_replication_slot(slot_name)) FROM pg_replication_slots WHERE slot_name = ${lit(slot)} AND NOT active`

export function monitorRoleSql(login: string): string[] {
  const id = `"${login.replace(/"/g, '""')}"`
  return [`DO $rd$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${lit(login)}) THEN CREATE ROLE ${id} LOGIN; END IF; END $rd$`, `GRANT pg_monitor TO ${id}`]
}

/** Drops an inactive slot; waits a few seconds for a just-stopped standby to let go of it. */
export async function dropSlotWhenFree(n: PgNode, slot: string, waitMs = 5000): Promise<void> {
  for (let i = 0; i < waitMs / 100; i++) {
    const left = await n.json(`SELECT json_build_object('active', coalesce(bool_or(active), false), 'exists', count(*) > 0) FROM pg_replication_slots WHERE slot_name = ${lit(slot)}`, z.object({ active: z.boolean(), exists: z.boolean() }))
    if (!left.exists) return
    if (!left.active) {
      await n.sql([dropSlotSql(slot)])
      continue
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw pgError('cluster_state', `The replication slot ${slot} on ${n.host} is still in use; stop the standby that uses it, then abandon again.`, { host: n.host })
}
