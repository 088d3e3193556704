// What a settings change alters, in the words the plan shows, and whether the new synchronous
// setting would make the primary's writes wait right now. Pure.
import type { SettingChange, SettingsAssessment } from '../../../../../shared/operations'
import { SYNCHRONOUS_COMMIT_MEANING } from '../../../../../shared/postgres'
import type { PgCluster } from '../model'
import { pgError } from '../errors'
import { namesIn, requiredCount, satisfiable, syncNames } from '../sync'

const mode = (c: PgCluster) => {
  const names = syncNames(c, '')
  return names ? `${c.sync.method} ${requiredCount(names)} of ${namesIn(names).length} (${namesIn(names).join(', ')})` : 'asynchronous'
}

function modeMeaning(c: PgCluster): string {
  const names = namesIn(syncNames(c, ''))
  if (names.length === 0) return 'a commit is acknowledged before any replica has it: a failover may lose the last writes.'
  const k = requiredCount(syncNames(c, ''))
  if (c.sync.method === 'ANY') return `a commit waits until any ${k} of ${names.join(', ')} confirm it; writes continue while ${k} of them stream.`
  return `a commit waits for the first ${k} streaming of ${names.join(', ')} in priority order; writes wait while fewer than ${k} stream.`
}

const mib = (b: number) => (b % (1024 * 1024) === 0 ? `${b / (1024 * 1024)} MiB` : `${b} bytes`)

export function recordChanges(prev: PgCluster, next: PgCluster): SettingChange[] {
  const out: SettingChange[] = []
  const add = (setting: string, from: string, to: string, restart = false, meaning?: string) => from !== to && out.push({ setting, from, to, restart, ...(meaning && { meaning }) })
  add('replication mode', mode(prev), mode(next), false, modeMeaning(next))
  add('synchronous_commit', prev.synchronousCommit, next.synchronousCommit, false, `a commit is ${SYNCHRONOUS_COMMIT_MEANING[next.synchronousCommit]}`)
  add('maximum lag to be promoted', mib(prev.maxLagBytes), mib(next.maxLagBytes), false, 'failover and switchover refuse a replica further behind than this.')
  add('WAL a slot may hold (max_slot_wal_keep_size)', prev.slotWalCap, next.slotWalCap, false, next.slotWalCap === '-1' ? 'no cap: a dead replica\'s slot keeps WAL until the primary\'s disk is full.' : `a slot holding more is invalidated (that replica needs a rebuild) instead of filling the primary's disk.`)
  add('when every synchronous replica is gone', `${prev.lostSync.policy}${prev.lostSync.policy === 'available' ? ` after ${prev.lostSync.afterS} s` : ''}`, `${next.lostSync.policy}${next.lostSync.policy === 'available' ? ` after ${next.lostSync.afterS} s` : ''}`, false, next.lostSync.policy === 'strict' ? 'writes wait until one is back: no acknowledged write can be lost.' : `a running ReplicaDesk relaxes synchronous replication after ${next.lostSync.afterS} s so writes go on (they may then exist only on the primary), alerts, and restores it when the replicas are back. It acts only while a ReplicaDesk instance runs.`)
  add('wal_keep_size', prev.walKeepSize, next.walKeepSize)
  add('max_wal_senders', String(prev.maxWalSenders), String(next.maxWalSenders), true)
  add('max_replication_slots', String(prev.maxReplicationSlots), String(next.maxReplicationSlots), true)
  add('service address', prev.serviceAddress ? `${prev.serviceAddress.address}/${prev.serviceAddress.prefix}` : 'none', next.serviceAddress ? `${next.serviceAddress.address}/${next.serviceAddress.prefix}` : 'none', !prev.serviceAddress && !!next.serviceAddress, next.serviceAddress ? `always on the primary; PostgreSQL listens on every address of its host (listen_addresses '*': pg_hba.conf decides who may connect), which takes a restart of each member.` : "taken off every member; PostgreSQL keeps listening on every address ('*'): narrow listen_addresses by hand if you want to.")
  add('desired replicas', String(prev.desiredReplicas ?? prev.members.length - 1), String(next.desiredReplicas ?? next.members.length - 1))
  for (const m of next.members) {
    const p = prev.members.find((x) => x.name === m.name)
    if (!p) continue
    add(`${m.name}: synchronous`, p.sync ? 'yes' : 'no', m.sync ? 'yes' : 'no')
    add(`${m.name}: promotion priority`, String(p.priority), String(m.priority), false, 'priority 1 is tried first.')
    add(`${m.name}: never promote`, p.neverPromote ? 'yes' : 'no', m.neverPromote ? 'yes' : 'no')
  }
  return out
}

/**
 * The plan's judgement. `primary`: the member that accepts writes now; `streaming`: the
 * standbys streaming from it now.
 */
export function assessSettings(prev: PgCluster, next: PgCluster, primary: string, streaming: readonly string[]): SettingsAssessment {
  const changes = recordChanges(prev, next)
  const warnings: string[] = []
  const want = syncNames(next, primary)
  let blocksWrites: string | undefined
  if (!satisfiable(want, streaming)) {
    const listed = namesIn(want)
    blocksWrites = `'${want}' needs ${requiredCount(want)} of ${listed.join(', ')} streaming; ${streaming.filter((n) => listed.includes(n)).join(', ') || 'none of them'} stream${streaming.length === 1 ? 's' : ''} now. Every write on ${primary} waits until enough do.`
  }
  if (next.sync.method === 'FIRST' && namesIn(want).length > 0 && requiredCount(want) === namesIn(want).length) {
    warnings.push(`FIRST ${requiredCount(want)} names every synchronous replica: if one of them stops, writes on the primary wait until it is back.`)
  }
  if (next.serviceAddress && !prev.serviceAddress) warnings.push(`Apps reach the primary through ${next.serviceAddress.address} once it listens there: the standbys restart now; the primary after a switchover away from it (it restarts as a standby).`)
  if (changes.some((c) => c.restart)) warnings.push('A restart-only setting changes: the standbys restart one at a time (each streaming again before the next); the primary keeps the old value until it is restarted (switch over away from it).')
  if (next.slotWalCap === '-1') warnings.push('No cap on the WAL a slot may hold: a replica that stays down keeps WAL on the primary until its disk is full.')
  return { changes, warnings, ...(blocksWrites && { blocksWrites }) }
}

/** Changes this operation does not make, refused before anything runs. */
export function refuseUnsupported(prev: PgCluster, next: PgCluster): void {
  const lowered = (['maxWalSenders', 'maxReplicationSlots'] as const).filter((k) => next[k] < prev[k])
  if (lowered.length) {
    throw pgError('preflight_failed', `Lowering ${lowered.map((k) => (k === 'maxWalSenders' ? 'max_wal_senders' : 'max_replication_slots')).join(' and ')} is not automated: a standby must run with at least the primary's value, so the primary has to be restarted first. Lower it by hand (ALTER SYSTEM on the primary, restart it, then each standby), or keep the value.`, { check: 'lowering' })
  }
  if (next.members.length !== prev.members.length || next.members.some((m) => !prev.members.some((x) => x.name === m.name))) {
    throw pgError('preflight_failed', 'A settings change does not add or remove members: use replica add / replica remove.')
  }
}
