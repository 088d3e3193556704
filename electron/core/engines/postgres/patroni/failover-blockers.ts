// Why Patroni 3.0.2 cannot replace a failed primary right now, in plain words (pure), for the
// cluster card: etcd without a majority (and what then happens to the primary, which depends on
// failsafe_mode), Patroni paused, or no replica it would promote. Read from Patroni's own rules
// (ha.py 3.0.2: _handle_dcs_error, is_healthiest_node / _is_healthiest_node).
import { mb } from '../format'
import { listed } from '../plan-words'
import type { PatroniTimings } from './failover-time'
import type { EtcdHealth, PatroniMember } from './status'

/** The part of Patroni's dynamic configuration (GET /config) the reasons depend on; null: not read. */
export interface FailoverConfig {
  failsafeMode?: boolean
  synchronousMode?: boolean
  maximumLagOnFailover?: number
  /** ttl, loop_wait, retry_timeout Patroni runs with (the expected failover time). */
  timings?: PatroniTimings
}

export interface BlockerInput {
  leader: string | null
  paused: boolean
  members: readonly PatroniMember[]
  etcd: EtcdHealth | null
  config: FailoverConfig | null
}

/** The first reason Patroni cannot fail over now (the most fundamental first); null when it can. */
export function failoverBlocker(s: BlockerInput): string | null {
  return noQuorum(s) ?? paused(s) ?? noCandidate(s)
}

function noQuorum(s: BlockerInput): string | null {
  const e = s.etcd
  if (!e || e.voters === 0) return null
  const need = Math.floor(e.voters / 2) + 1
  // Counted on the voters whose etcd answers: a failed health check alone is also what an etcd
  // leader election looks like for a second or two (after the leader's host died).
  if (e.up.length >= need) return null
  const down = e.down.map((d) => d.name)
  const lost = `${e.voters - e.up.length} of ${e.voters} etcd voters down (${listed(down)})`
  const primary = s.leader ?? 'the primary'
  const after = `until ${need} of the ${e.voters} voters answer again`
  const fate =
    s.config?.failsafeMode === true
      ? `With failsafe_mode on, ${primary} keeps accepting writes only while its Patroni reaches every other member's; otherwise it is demoted to read-only ${after}.`
      : s.config?.failsafeMode === false
        ? `Patroni 3.0.2 also demotes ${primary} to read-only while it cannot reach etcd (failsafe_mode is off): writes stop ${after}.`
        : `Patroni 3.0.2 also demotes ${primary} to read-only while it cannot reach etcd unless failsafe_mode is on: writes stop ${after}.`
  return `${lost}: etcd has no majority, so Patroni cannot elect a new leader and a primary that fails now is not replaced. ${fate}`
}

function paused(s: BlockerInput): string | null {
  if (!s.paused) return null
  return 'Patroni is paused (maintenance mode): it changes no role by itself, so a primary that fails is not replaced until Patroni is resumed.'
}

function noCandidate(s: BlockerInput): string | null {
  const others = s.members.filter((m) => m.name !== s.leader)
  const ifFails = s.leader ? `if ${s.leader} fails` : 'now'
  if (others.length === 0) return `No replica: nothing can take over ${ifFails}.`
  // Synchronous mode: only the synchronous standby may race, when Patroni has one (3.0.2).
  const syncOnly = s.config?.synchronousMode === true && others.some((m) => m.role === 'sync_standby')
  const why = others.map((m) => ({ name: m.name, why: notEligible(m, syncOnly, s.config?.maximumLagOnFailover) }))
  if (why.some((x) => x.why === null)) return null
  return `No replica can take over ${ifFails}: ${why.map((x) => `${x.name} ${x.why}`).join('; ')}. Patroni would not replace it.`
}

function notEligible(m: PatroniMember, syncOnly: boolean, maxLag: number | undefined): string | null {
  if (m.state !== 'running') return `is ${m.state || 'not running'}`
  if (m.noFailover) return 'is tagged never-promote (nofailover)'
  if (syncOnly && m.role !== 'sync_standby') return 'is not the synchronous standby (in synchronous mode Patroni 3.0.2 promotes only that one)'
  if (maxLag !== undefined && typeof m.lagBytes === 'number' && m.lagBytes > maxLag) return `is ${mb(m.lagBytes)} behind (more than maximum_lag_on_failover, ${mb(maxLag)})`
  return null
}
