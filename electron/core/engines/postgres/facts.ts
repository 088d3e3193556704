// What a running member says about itself, in one query through its Unix socket; and the
// primary of a cluster, located from those answers (never remembered).
import { z } from 'zod'
import { AppError } from '../../../../shared/errors'
import { pgError } from './errors'
import type { PgCluster, PgMember } from './model'
import type { PgNode } from './node'
import { lit } from './sql'

export const pgFacts = z.object({
  inRecovery: z.boolean(),
  versionNum: z.number(),
  version: z.string(),
  dataDir: z.string(),
  configFile: z.string(),
  hbaFile: z.string(),
  walLevel: z.string(),
  maxWalSenders: z.number(),
  maxSlots: z.number(),
  walKeepBytes: z.number(),
  checksums: z.boolean(),
  walLogHints: z.boolean(),
  hotStandby: z.boolean(),
  listen: z.string(),
  syncNames: z.string(),
  readOnly: z.boolean(),
  pendingRestart: z.array(z.string()),
  /** Settings a standby needs at least as high as its primary's. */
  hotStandbyLimits: z.record(z.string(), z.string()),
  slots: z.array(z.object({ name: z.string(), active: z.boolean() })),
  senders: z.array(z.object({ name: z.string(), state: z.string().nullable(), sync: z.string().nullable() })),
  /** Databases plus WAL: what a base backup copies. */
  sizeBytes: z.number(),
  roles: z.array(z.object({ name: z.string(), replication: z.boolean(), login: z.boolean(), monitor: z.boolean() })),
})
export type PgFacts = z.infer<typeof pgFacts>

export const HOT_STANDBY_LIMITS = ['max_connections', 'max_worker_processes', 'max_wal_senders', 'max_prepared_transactions', 'max_locks_per_transaction'] as const

/** Databases plus WAL: what a base backup copies (bytes). */
export const COPY_SIZE_SQL = '(SELECT sum(pg_database_size(oid)) FROM pg_database)::bigint + (SELECT coalesce(sum(size), 0) FROM pg_ls_waldir())::bigint'

/** The facts query; `role`: the replication role (login roles that can monitor are listed too). */
export function factsQuery(role: string): string {
  return `SELECT json_build_object(
  'inRecovery', pg_is_in_recovery(),
  'versionNum', current_setting('server_version_num')::int,
  'version', current_setting('server_version'),
  'dataDir', current_setting('data_directory'),
  'configFile', current_setting('config_file'),
  'hbaFile', current_setting('hba_file'),
  'walLevel', current_setting('wal_level'),
  'maxWalSenders', current_setting('max_wal_senders')::int,
  'maxSlots', current_setting('max_replication_slots')::int,
  'walKeepBytes', pg_size_bytes(current_setting('wal_keep_size')),
  'checksums', current_setting('data_checksums')::bool,
  'walLogHints', current_setting('wal_log_hints')::bool,
  'hotStandby', current_setting('hot_standby')::bool,
  'listen', current_setting('listen_addresses'),
  'syncNames', current_setting('synchronous_standby_names'),
  'readOnly', current_setting('transaction_read_only')::bool,
  'pendingRestart', (SELECT coalesce(json_agg(name ORDER BY name), '[]') FROM pg_settings WHERE pending_restart),
  'hotStandbyLimits', (SELECT json_object_agg(name, setting) FROM pg_settings WHERE name IN (${HOT_STANDBY_LIMITS.map(lit).join(', ')})),
  'slots', (SELECT coalesce(json_agg(json_build_object('name', slot_name, 'active', active) ORDER BY slot_name), '[]') FROM pg_replication_slots),
  'senders', (SELECT coalesce(json_agg(json_build_object('name', application_name, 'state', state, 'sync', sync_state)), '[]') FROM pg_stat_replication),
  'sizeBytes', ${COPY_SIZE_SQL},
  'roles', (SELECT coalesce(json_agg(json_build_object('name', rolname, 'replication', rolreplication, 'login', rolcanlogin,
      'monitor', pg_has_role(oid, 'pg_monitor', 'MEMBER'))), '[]') FROM pg_roles WHERE rolname = ${lit(role)} OR (rolcanlogin AND pg_has_role(oid, 'pg_monitor', 'MEMBER')))
)`
}

export type MemberFacts = { member: PgMember; facts: PgFacts } | { member: PgMember; error: AppError }

export async function readFacts(node: PgNode, role: string): Promise<MemberFacts> {
  try {
    return { member: node.member, facts: await node.json(factsQuery(role), pgFacts) }
  } catch (err) {
    if (err instanceof AppError && err.code === 'command_failed') return { member: node.member, error: err }
    throw err // unreachable host, sudo password, timeout: the caller must see those as they are
  }
}

export const majorOf = (versionNum: number) => String(Math.floor(versionNum / 10000))

/** The one member that accepts writes, from facts read just now. */
export function locatePrimary(cluster: PgCluster, answers: readonly MemberFacts[]): { member: PgMember; facts: PgFacts } {
  const up = answers.filter((a): a is { member: PgMember; facts: PgFacts } => 'facts' in a)
  const writable = up.filter((a) => !a.facts.inRecovery && !a.facts.readOnly)
  if (writable.length === 1) return writable[0]!
  if (writable.length > 1) {
    throw pgError('cluster_state', `Cluster ${cluster.id} has ${writable.length} members that accept writes (${writable.map((a) => `${a.member.name} on ${a.member.host}`).join(', ')}). ReplicaDesk changes nothing until only one does: stop or demote the wrong one.`, { writable: writable.map((a) => a.member.name) })
  }
  const down = answers.filter((a): a is { member: PgMember; error: AppError } => 'error' in a)
  const why = down.map((a) => `${a.member.name} on ${a.member.host}: ${a.error.message}`).join('; ')
  throw pgError('cluster_state', `No member of cluster ${cluster.id} accepts writes${why ? ` (${why})` : ''}. Start the primary, or promote a standby, then try again.`, { down: down.map((a) => a.member.name) })
}
