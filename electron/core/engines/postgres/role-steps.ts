// Steps switchover and failover share: the promotion, and making the other members follow the
// new primary. Both take, explicitly, the positions an earlier step of the same attempt read
// and judged (`handed`, see handoff.ts): on those operations' critical path a check judges
// that read instead of asking again; without one (a resume) it reads the servers.
import type { Step } from '../../operations'
import type { HostExec } from '../host-exec'
import { pgError } from './errors'
import type { Attempt } from '../handoff'
import { isRunning } from './instance'
import type { PgCluster, PgMember } from './model'
import type { PgNode } from './node'
import { alterSystem } from './statements'
import { configureFollow, converge, isUp, pointsAt, promote, promoteStatements, readPosition, repointStatements, writable, type Seen } from './roles'

/** The members as an earlier step of this attempt read (and judged) them, if it did. */
export type Handed = (a: Attempt) => readonly Seen[] | undefined

/** Whether `T` accepts writes: in `seen` when given, else read now. */
export async function promotedNow(T: PgNode, seen?: readonly Seen[]): Promise<boolean> {
  const s = seen?.find((x) => x.member.name === T.name) ?? (await readPosition(T))
  return isUp(s) && writable(s.pos)
}

/**
 * Promotes `T`. The check judges the positions handed along (`handed`: read this attempt just
 * before the promotion, under the lease), else reads `T`. `syncValue`: its
 * synchronous_standby_names from its first write, set in the same command (a failover's:
 * without the fenced old primary). Abandoned after it ran, nothing goes back (that would lose
 * writes): every member follows the primary of then.
 */
export function promoteStep<P>(hosts: HostExec, c: PgCluster, T: PgNode, handed: Handed, syncValue?: string): Step<P> {
  // Set right after the promotion, in the same command: a reload while the standby waits for WAL
  // can hold its promotion until wal_retrieve_retry_interval (5 s, measured); the old value meanwhile
  // names the fenced old primary, which is stopped (or unreachable) by then and confirms nothing.
  const then = syncValue === undefined ? [] : [alterSystem('synchronous_standby_names', syncValue), 'SELECT pg_reload_conf()']
  return {
    id: 'promote',
    title: `Promote ${T.name}`,
    hosts: [T.host],
    plan: () => [T.planned(T.psql([...promoteStatements(), ...then], 'waits until it accepts writes'))],
    check: async (ctx) => promotedNow(T, handed(ctx)),
    async run(_ctx, report) {
      await promote(T, undefined, then)
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
 * Re-points `others` to the new primary `T`, in parallel. With positions handed along (read
 * this attempt before the promotion) the check judges those and the run starts from them:
 * done only when every other member answered there as a standby of `T` already. Without
 * (a resume) the check reads them: done when every one that answers points at `T`.
 * `skip`: why a member must not be re-pointed, if so.
 */
export function repointStep<P>(c: PgCluster, T: PgNode, others: readonly PgNode[], o: { handed: Handed; skip?: (name: string) => string | undefined }): Step<P> {
  const seenIn = (seen: readonly Seen[] | undefined, n: PgNode) => seen?.find((s) => s.member.name === n.name)
  return {
    id: 'repoint',
    title: `Re-point the other standbys to ${T.name}`,
    hosts: others.map((n) => n.host),
    plan: () => others.map((n) => n.planned(n.psql(repointStatements(c, n.member, T.member)))),
    async check(ctx) {
      const handed = o.handed(ctx)
      if (handed) {
        return others.every((n) => {
          const s = seenIn(handed, n)
          return !!s && isUp(s) && s.pos.inRecovery && pointsAt(s.pos.conninfo, T.member)
        })
      }
      const seen = await Promise.all(others.map((n) => readPosition(n)))
      return seen.every((s) => !isUp(s) || pointsAt(s.pos.conninfo, T.member))
    },
    async run(ctx, report) {
      const handed = o.handed(ctx)
      const done = await Promise.all(others.map((n) => o.skip?.(n.name) ?? followNewPrimary(c, n, T.member, seenIn(handed, n))))
      report({ message: done.join('; ') || 'no other standby' })
    },
  }
}
