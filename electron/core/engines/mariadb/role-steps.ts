// Steps switchover and failover share: the other replicas re-pointed to the member about to be
// promoted, and its promotion. The others follow it *before* it is promoted (it has its binary
// log, log_slave_updates: a replica can be followed), so a semi-sync replica is connected and
// acknowledging the moment it accepts writes, and nothing of that waits after the promotion.
// Both take the readings an earlier step of the same attempt made and judged (`handed`, see
// ../postgres/handoff.ts): a check judges that read instead of asking again; without one (a
// resume) it reads the servers.
import type { Step } from '../../operations'
import type { HostExec } from '../host-exec'
import type { Attempt } from '../handoff'
import { readConfig } from './instance'
import type { MariaCluster, MariaMember } from './model'
import { MariaNode } from './node'
import { fileSaysReadOnly, follow, followCommand, followNewPrimary, follows, isPrimaryNow, isUp, PROMOTE_SQL, promote, readRole, readRoles, setReadOnlyCommand, writable, type MariaReading } from './roles'
import { sqlCommand } from './sql'

/** The members as an earlier step of this attempt read (and judged) them, if it did. */
export type Handed = (a: Attempt) => readonly MariaReading[] | undefined

const readingOf = (seen: readonly MariaReading[] | undefined, n: MariaNode) => seen?.find((s) => s.member === n.name)

/** Whether `T` is the primary now: in `seen` when given, else read now. */
export async function promotedNow(T: MariaNode, seen?: readonly MariaReading[]): Promise<boolean> {
  return isPrimaryNow(readingOf(seen, T) ?? (await readRole(T)))
}

/**
 * Promotes `T`: STOP SLAVE, RESET SLAVE ALL, read_only off, then its option file says
 * read_only = OFF. Done when it answers as a primary and its file says so. Abandoned after it
 * ran, nothing goes back (that would lose writes): every member follows the primary of then.
 */
export function promoteStep<P>(hosts: HostExec, c: MariaCluster, T: MariaNode, handed: Handed): Step<P> {
  return {
    id: 'promote',
    title: `Promote ${T.name}`,
    hosts: [T.host],
    plan: () => [T.planned(sqlCommand(T, PROMOTE_SQL.replace(/\n/g, ' '))), T.planned(setReadOnlyCommand(T, false))],
    async check(ctx) {
      const h = handed(ctx)
      if (h) return isPrimaryNow(readingOf(h, T) ?? { member: T.name, host: T.host, role: 'unknown' })
      return (await promotedNow(T)) && !fileSaysReadOnly(await readConfig(T))
    },
    async run(_ctx, report) {
      const t0 = Date.now()
      await promote(T)
      report({ message: `${T.name} accepts writes (promoted in ${Date.now() - t0} ms)` })
    },
    undo: async () => void (await converge(hosts, c)),
  }
}

/**
 * Makes `others` follow `T` (in parallel): with readings handed along the check judges those
 * (done only when every one answered as a replica of `T` already), else reads them (done when
 * every one that answers follows `T`). `skip`: why a member must not follow it, if so.
 * `undoTo`: abandoned while `T` is not promoted, they follow that member again.
 */
export function repointStep<P>(c: MariaCluster, T: MariaNode, others: readonly MariaNode[], o: { handed: Handed; skip?: (name: string) => string | undefined; undoTo?: MariaMember }): Step<P> {
  return {
    id: 'repoint',
    title: `Re-point the other replicas to ${T.name}`,
    hosts: others.map((n) => n.host),
    plan: () => others.flatMap((n) => [n.planned(setReadOnlyCommand(n, true)), n.planned(followCommand(c, n, T.member))]),
    async check(ctx) {
      const h = o.handed(ctx)
      if (h) return others.every((n) => o.skip?.(n.name) !== undefined || follows(readingOf(h, n) ?? { member: n.name, host: n.host, role: 'unknown' }, T.member))
      const seen = await readRoles(others)
      return seen.every((s) => !isUp(s) || o.skip?.(s.member) !== undefined || follows(s, T.member))
    },
    async run(ctx, report) {
      const h = o.handed(ctx)
      const done = await Promise.all(others.map(async (n) => o.skip?.(n.name) ?? followNewPrimary(c, n, T.member, readingOf(h, n) ?? (await readRole(n)))))
      report({ message: done.join('; ') || 'no other replica' })
    },
    async undo() {
      const back = o.undoTo
      if (!back || (await promotedNow(T))) return
      await Promise.all(others.map(async (n) => (o.skip?.(n.name) ? undefined : followNewPrimary(c, n, back, await readRole(n)).catch(() => undefined))))
    },
  }
}

/**
 * Where a role change is abandoned past its promotion: nothing goes back (that would lose
 * writes); every reachable member follows the one primary (writable, replicating from
 * nobody). Does nothing unless exactly one member is writable. Says what it did.
 */
export async function converge(hosts: HostExec, c: MariaCluster): Promise<string> {
  const nodes = c.members.map((m) => new MariaNode(hosts, m))
  const seen = await readRoles(nodes)
  const writers = seen.filter(writable)
  if (writers.length !== 1 || !isPrimaryNow(writers[0]!)) return `not converged: ${writers.length} writable members`
  const up = c.members.find((m) => m.name === writers[0]!.member)!
  const done = await Promise.all(
    nodes
      .filter((n) => n.name !== up.name && !c.fenced.includes(n.name))
      .map(async (n) => {
        const s = readingOf(seen, n)!
        if (!isUp(s)) return `${n.name} not reachable`
        if (follows(s, up)) return `${n.name} follows`
        await follow(c, n, up)
        return `${n.name} re-pointed`
      }),
  )
  return `${up.name} is the primary; ${done.join(', ')}`
}
