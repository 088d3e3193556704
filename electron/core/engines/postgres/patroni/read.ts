// What a hand-over reads from each member's PostgreSQL: role, who streams from it, the system
// identifier, the settings Patroni's config carries over. Read now, never remembered.
import { z } from 'zod'
import type { AppError } from '../../../../../shared/errors'
import { lit } from '../sql'
import type { PgNode } from '../node'
import { CARRIED_SETTINGS } from './config'

export const memberFacts = z.object({
  writable: z.boolean(),
  /** application_name of the standbys streaming from it. */
  streaming: z.array(z.string()),
  sysid: z.string(),
  listen: z.string(),
  carried: z.record(z.string(), z.string()),
})
export type MemberFactsSeen = z.infer<typeof memberFacts>

const FACTS_SQL = `SELECT json_build_object(
  'writable', NOT pg_is_in_recovery() AND NOT current_setting('transaction_read_only')::bool,
  'streaming', (SELECT coalesce(json_agg(application_name ORDER BY application_name), '[]') FROM pg_stat_replication WHERE state = 'streaming'),
  'sysid', (SELECT system_identifier::text FROM pg_control_system()),
  'listen', current_setting('listen_addresses'),
  'carried', (SELECT json_object_agg(name, setting) FROM pg_settings WHERE name IN (${CARRIED_SETTINGS.map(lit).join(', ')})))`

export type Facts = { name: string; host: string; facts: MemberFactsSeen } | { name: string; host: string; error: string }
export const answered = (f: Facts): f is { name: string; host: string; facts: MemberFactsSeen } => 'facts' in f

export async function readFacts(n: PgNode): Promise<Facts> {
  try {
    return { name: n.name, host: n.host, facts: await n.json(FACTS_SQL, memberFacts) }
  } catch (e) {
    return { name: n.name, host: n.host, error: (e as AppError).message }
  }
}

export const factsCommand = (n: PgNode) => n.psql(['SELECT json_build_object(…)'], 'reads role, streaming standbys, system identifier, listen_addresses and the restart-only settings Patroni carries over')
