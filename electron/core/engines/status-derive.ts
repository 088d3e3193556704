// What every engine's derive (postgres/status/derive.ts, mariadb/status/derive.ts) reads the same
// way from one tick's views: which members are this tick's primaries, which member a replication
// source names, and a member's status before the engine's own figures.
import type { MemberStatus } from '../../../shared/status'
import type { MemberView } from './engine'

/** This tick's primaries: answered and fresh, a primary by the engine's rule; one server listed twice (two names, same socket) counts once. */
export function livePrimaries<S>(views: readonly MemberView<S>[], isPrimary: (s: S) => boolean): MemberView<S>[] {
  const keys = new Set<string>()
  return views.filter((v) => v.state === 'up' && v.sample !== null && v.fresh && isPrimary(v.sample) && !keys.has(v.instanceKey) && keys.add(v.instanceKey))
}

/** The member a replication source (host or address as the replica has it, and port) names. */
export const memberAt =
  <S>(views: readonly MemberView<S>[]) =>
  (host: string | null, port: number | null): MemberView<S> | undefined =>
    host === null ? undefined : views.find((v) => v.port === port && v.aliases.includes(host))

/** What a member's sample says of it in every engine. */
export interface Answered {
  role: MemberStatus['role']
  writable: boolean
  version: string | null
  startedMs: number | null
}

/**
 * A member's status: who it is and how it answered (`a`: from its last sample, none when it
 * never answered), every database figure empty; the engine fills in its own.
 */
export function memberStatusOf(v: MemberView<unknown>, a: Answered | null): MemberStatus {
  return {
    name: v.name,
    host: v.host,
    port: v.port,
    state: v.state,
    down: v.state === 'down' ? v.down : null,
    stale: !(v.state === 'up' && v.fresh),
    role: a?.role ?? null,
    writable: a ? a.writable : null,
    version: a?.version ?? null,
    timeline: null,
    currentLsn: null,
    receiveLsn: null,
    replayLsn: null,
    lagBytes: null,
    lagSeconds: null,
    senderState: null,
    syncState: null,
    upstream: null,
    slot: null,
    disk: v.disk,
    startedAt: a?.startedMs ? new Date(a.startedMs).toISOString() : null,
  }
}
