// Redundancy settings of a cluster handed over to Patroni, in Patroni's terms (pure): the body of
// PATCH /config (Patroni's dynamic configuration, kept in etcd and applied by every member on its
// next loop), or a refusal naming why Patroni 3.0.2 cannot express a setting.
import { AppError } from '../../../../../shared/errors'
import type { PgCluster } from '../model'
import { syncOf, TIMINGS } from './config'
import { describeExpectedFailover, timingsProblem, type PatroniTimings } from './failover-time'

/** The settings a user asked for (the settings command's input; absent: unchanged). */
export interface SettingsRequest {
  syncMethod?: 'ANY' | 'FIRST' | undefined
  syncNum?: number | undefined
  synchronousCommit?: string | undefined
  maxLagBytes?: number | undefined
  slotWalCap?: string | undefined
  walKeepSize?: string | undefined
  lostSync?: 'strict' | 'available' | undefined
  relaxAfterS?: number | undefined
  maxWalSenders?: number | undefined
  maxReplicationSlots?: number | undefined
  desiredReplicas?: number | undefined
  replicas?: number | undefined
  serviceAddress?: string | null | undefined
  notifyUrl?: string | null | undefined
  priority?: number | undefined
  neverPromote?: boolean | undefined
  memberSettings?: { name: string; priority?: number | undefined; neverPromote?: boolean | undefined }[] | undefined
  restartPrimary?: boolean | undefined
  adopt?: boolean | undefined
  ttl?: number | undefined
  loopWait?: number | undefined
  retryTimeout?: number | undefined
}

/** PostgreSQL parameters ReplicaDesk manages that Patroni sets with a reload (postgresql.parameters). */
export const RELOADABLE = { synchronousCommit: 'synchronous_commit', walKeepSize: 'wal_keep_size', slotWalCap: 'max_slot_wal_keep_size' } as const
/** Of those, the ones whose values are sizes (compared in bytes: 1024MB is 1GB). */
export const SIZE_PARAMETERS: readonly string[] = ['wal_keep_size', 'max_slot_wal_keep_size']

export interface ConfigPatch {
  synchronous_mode?: boolean
  synchronous_mode_strict?: boolean
  synchronous_node_count?: number
  maximum_lag_on_failover?: number
  ttl?: number
  loop_wait?: number
  retry_timeout?: number
  postgresql?: { parameters: Record<string, string> }
}

const refuse = (field: string, why: string) => {
  throw new AppError('invalid_input', `Not through Patroni: ${why}`, { field })
}

/** What Patroni 3.0.2 cannot take, refused with the reason before anything runs. */
function refuseInexpressible(c: PgCluster, r: SettingsRequest): void {
  if (r.syncMethod === 'ANY') refuse('syncMethod', 'Patroni 3.0.2 has no quorum commit (ANY k); its synchronous mode is FIRST k of the standbys it picks. Use --sync-method FIRST, or take the cluster back (automatic --off) for ANY k.')
  if (r.maxWalSenders !== undefined || r.maxReplicationSlots !== undefined) refuse('maxWalSenders', 'max_wal_senders and max_replication_slots need a restart of every member, which Patroni does with its own restart (not driven from ReplicaDesk yet). Take the cluster back first.')
  if (r.priority !== undefined || r.memberSettings?.some((m) => m.priority !== undefined)) refuse('priority', 'Patroni 3.0.2 has no failover priority: it promotes the healthiest eligible standby.')
  if (r.neverPromote !== undefined || r.memberSettings?.some((m) => m.neverPromote !== undefined)) refuse('neverPromote', "never-promote is each member's nofailover tag in its own Patroni config file, not in the dynamic configuration. Take the cluster back, change it, hand over again.")
  if (r.relaxAfterS !== undefined) refuse('relaxAfterS', 'Patroni\'s non-strict synchronous mode (--lost-sync available) relaxes at once, with no delay to set.')
  if (r.desiredReplicas !== undefined || r.replicas !== undefined) refuse('replicas', 'adding or removing replicas of a handed-over cluster is not Patroni\'s dynamic configuration (a new member needs Patroni set up on it). Take the cluster back first.')
  if (r.serviceAddress !== undefined) refuse('serviceAddress', 'in automatic mode keepalived on every member moves the service address with Patroni\'s leader; its address is set at the hand-over. Take the cluster back (automatic --off), change it, hand over again.')
  if (r.restartPrimary || r.adopt) refuse(r.adopt ? 'adopt' : 'restartPrimary', 'Patroni owns the members\' configuration and restarts while the cluster is handed over.')
  if (c.members.length < 2) refuse('cluster', `${c.id} has one member.`)
}

/**
 * The PATCH /config body for the record `next` (the settings asked for applied to `c`): only the
 * keys the request touches. Member sync flags map to synchronous mode as a whole: all off turns
 * it off; on again only for the members whose Patroni does not carry the nosync tag (`noSync`:
 * each member's tag as its Patroni reports it), since tags live in each member's config file.
 */
export function configPatch(c: PgCluster, next: PgCluster, r: SettingsRequest, noSync: Readonly<Record<string, boolean>>, timings: PatroniTimings = TIMINGS): ConfigPatch {
  refuseInexpressible(c, r)
  const body: ConfigPatch = { ...timingsPatch(r, timings) }
  const [was, will] = [syncOf(c), syncOf(next)]
  const syncChanged = c.members.some((m) => next.members.find((x) => x.name === m.name)?.sync !== m.sync)
  if (syncChanged && will.synchronous_mode) {
    const wrong = next.members.filter((m) => m.sync === (noSync[m.name] ?? false))
    if (wrong.length) refuse('sync', `synchronous members are set by each member's nosync tag in its own Patroni config file; Patroni's tags now: ${next.members.map((m) => `${m.name} ${noSync[m.name] ? 'nosync' : 'sync'}`).join(', ')}. Through Patroni, synchronous mode can only be turned off (every member --sync false) and on again for those same members.`)
  }
  if (syncChanged && will.synchronous_mode !== was.synchronous_mode) body.synchronous_mode = will.synchronous_mode
  if (will.synchronous_mode && (r.syncNum !== undefined || body.synchronous_mode)) body.synchronous_node_count = will.synchronous_node_count
  if (will.synchronous_mode && (r.lostSync !== undefined || body.synchronous_mode)) body.synchronous_mode_strict = next.lostSync.policy === 'strict'
  if (!will.synchronous_mode && body.synchronous_mode === false) body.synchronous_mode_strict = false
  if (r.maxLagBytes !== undefined) body.maximum_lag_on_failover = r.maxLagBytes
  const parameters: Record<string, string> = {}
  for (const [key, name] of Object.entries(RELOADABLE) as [keyof typeof RELOADABLE, string][]) {
    const v = r[key]
    if (v !== undefined) parameters[name] = String(v)
  }
  if (Object.keys(parameters).length) body.postgresql = { parameters }
  // The notification URL alone is no PATCH: the settings operation rewrites each member's callback script (notify step).
  if (!Object.keys(body).length && r.notifyUrl === undefined) throw new AppError('invalid_input', 'No setting Patroni takes was given (synchronous mode, --sync-num, --lost-sync, --max-lag-bytes, --synchronous-commit, --wal-keep-size, --slot-wal-cap, --ttl, --loop-wait, --retry-timeout).', { field: 'cluster' })
  return body
}

/** ttl, loop_wait and retry_timeout asked for, checked with the ones Patroni runs with (`now`) against Patroni's rule. */
function timingsPatch(r: SettingsRequest, now: PatroniTimings): Pick<ConfigPatch, 'ttl' | 'loop_wait' | 'retry_timeout'> {
  const asked = { ...(r.ttl !== undefined && { ttl: r.ttl }), ...(r.loopWait !== undefined && { loop_wait: r.loopWait }), ...(r.retryTimeout !== undefined && { retry_timeout: r.retryTimeout }) }
  if (!Object.keys(asked).length) return {}
  const problem = timingsProblem({ ...now, ...asked })
  if (problem) refuse(r.ttl !== undefined ? 'ttl' : r.loopWait !== undefined ? 'loopWait' : 'retryTimeout', `${problem} (now ttl ${now.ttl}, loop_wait ${now.loop_wait}, retry_timeout ${now.retry_timeout}).`)
  return asked
}

/** The timings after `body`, from the ones Patroni runs with. */
export const timingsAfter = (now: PatroniTimings, body: ConfigPatch): PatroniTimings => ({ ttl: body.ttl ?? now.ttl, loop_wait: body.loop_wait ?? now.loop_wait, retry_timeout: body.retry_timeout ?? now.retry_timeout })

/** Whether Patroni's configuration (GET /config) already carries every key of the patch. */
export function carries(config: unknown, patch: unknown): boolean {
  if (patch === null || typeof patch !== 'object') return config === patch || (config !== undefined && String(config) === String(patch))
  if (config === null || typeof config !== 'object') return false
  return Object.entries(patch as Record<string, unknown>).every(([k, v]) => carries((config as Record<string, unknown>)[k], v))
}

/** The plan's sentences: Patroni applies them; what each becomes; `previous`: the record before (a new notification URL). */
export function patchSummary(c: PgCluster, body: ConfigPatch, previous?: PgCluster, timings: PatroniTimings = TIMINGS): string[] {
  const out: string[] = []
  if (Object.keys(body).length) {
    out.push(`PATCH /config on ${c.id}: Patroni keeps the settings in etcd and every member applies them on its next loop (a reload, no restart): ${JSON.stringify(body)}.`)
    out.push('Nothing is copied or restarted; writes do not pause, except that turning synchronous mode on makes each write wait for a synchronous standby again.')
  }
  if (body.ttl !== undefined || body.loop_wait !== undefined || body.retry_timeout !== undefined) out.push(describeExpectedFailover(timingsAfter(timings, body)))
  if (previous && previous.notifyUrl !== c.notifyUrl) {
    out.push(c.notifyUrl ? `Role changes are posted to ${c.notifyUrl} by the servers themselves (Patroni's on_role_change callback on every member, rewritten; nothing restarts).` : "Role changes are no longer posted anywhere (each member's callback script rewritten to send nothing; nothing restarts).")
  }
  return out
}
