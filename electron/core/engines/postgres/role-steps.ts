// Steps switchover and failover share: the promotion, and making one other member follow the
// new primary.
import type { Step } from '../../operations'
import type { HostExec } from '../host-exec'
import { pgError } from './errors'
import { isRunning } from './instance'
import type { PgCluster, PgMember } from './model'
import type { PgNode } from './node'
import { alterSystem } from './statements'
import { configureFollow, converge, isUp, pointsAt, promote, promoteStatements, readPosition, repointStatements, type Seen } from './roles'

/**
 * Promotes `T`. `fresh`: this attempt just read that it is a standby (no need to ask again).
 * `syncValue`: its synchronous_standby_names from its first write, set in the same command
 * (a failover's: without the fenced old primary). Abandoned after it ran, nothing goes back
 * (that would lose writes): every member follows the primary of then.
 */
export function promoteStep<P>(hosts: HostExec, c: PgCluster, T: PgNode, fresh: () => boolean, promoted: () => Promise<boolean>, syncValue?: string): Step<P> {
  const first = syncValue === undefined ? [] : [alterSystem('synchronous_standby_names', syncValue), 'SELECT pg_reload_conf()']
  return {
    id: 'promote',
    title: `Promote ${T.name}`,
    hosts: [T.host],
    plan: () => [T.planned(T.psql([...first, ...promoteStatements()], 'waits until it accepts writes'))],
    check: async () => (fresh() ? false : promoted()),
    async run(_ctx, report) {
      await promote(T, undefined, first)
      report({ message: `${T.name} accepts writes${syncValue === undefined ? '' : `; synchronous_standby_names '${syncValue}'`}` })
    },
    undo: async () => void (await converge(hosts, c)),
  }
}

/**
 * Makes `n` follow `upstream`: a running standby is re-pointed (ALTER SYSTEM + reload); a
 * stopped one gets the settings for its next start; one that accepts writes is refused (it
 * needs a fence and a rejoin). `seen`: its position read just now, if at hand. Says what it did.
 */
export async function followNewPrimary(c: PgCluster, n: PgNode, upstream: PgMember, seen?: Seen): Promise<string> {
  const s = seen ?? (await readPosition(n))
  if (isUp(s)) {
    if (!s.pos.inRecovery) throw pgError('cluster_state', `${n.name} on ${n.host} accepts writes: it is not a standby any more. Fence it, then rejoin it.`, { host: n.host })
    if (pointsAt(s.pos.conninfo, upstream)) return `${n.name} follows already`
    await n.sql(repointStatements(c, n.member, upstream))
    return `${n.name} re-pointed`
  }
  if ((await isRunning(n).catch(() => undefined)) === false) {
    await configureFollow(c, n, upstream, false)
    return `${n.name} is stopped: set to follow ${upstream.name} when it starts`
  }
  return `${n.name} not reachable: rejoin it later`
}

/**
 * Re-points `others` to the new primary `T`, in parallel. `fresh`: positions read this attempt
 * (`seenOf`) stand in for a new read. `skip`: why a member must not be re-pointed, if so.
 */
export function repointStep<P>(c: PgCluster, T: PgNode, others: readonly PgNode[], o: { fresh: () => boolean; seenOf: (name: string) => Seen | undefined; skip?: (name: string) => string | undefined }): Step<P> {
  return {
    id: 'repoint',
    title: `Re-point the other standbys to ${T.name}`,
    hosts: others.map((n) => n.host),
    plan: () => others.map((n) => n.planned(n.psql(repointStatements(c, n.member, T.member)))),
    async check() {
      if (o.fresh()) return others.length === 0
      const seen = await Promise.all(others.map((n) => readPosition(n)))
      return seen.every((s) => !isUp(s) || pointsAt(s.pos.conninfo, T.member))
    },
    async run(_ctx, report) {
      const done = await Promise.all(others.map((n) => o.skip?.(n.name) ?? followNewPrimary(c, n, T.member, o.fresh() ? o.seenOf(n.name) : undefined)))
      report({ message: done.join('; ') || 'no other standby' })
    },
  }
}
