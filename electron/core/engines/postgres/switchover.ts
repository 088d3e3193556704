// A planned switchover, as journaled steps:
//   preflight   the primary is `from`; `to` streams from it and is caught up
//   stop        `from` stops fast (its last WAL goes to the connected standbys) — writes stop here
//   catch-up    `to` has replayed `from`'s shutdown checkpoint: it has every write
//   promote     `to` accepts writes — writes resume here
//   repoint     the other standbys follow `to` (ALTER SYSTEM + reload)
//   demote      `from` starts as `to`'s standby (a clean stop needs no rewind); its old slots renewed
//   sync        synchronous_standby_names as the record says, on every member
//   verify      every reachable standby streams from `to`
// Zero lost writes: `to` is promoted only after it replayed everything `from` ever wrote.
// Abandon after the promotion cannot go back (that would lose writes): it makes every member
// follow the member that is primary then.
import { z } from 'zod'
import type { Step } from '../../operations'
import type { HostExec } from '../host-exec'
import { pgError } from './errors'
import { memberName, memberOf, pgCluster, type PgCluster, type PgMember } from './model'
import { PgNode } from './node'
import { promoteStep, repointStep } from './role-steps'
import { ahead, configureFollow, controlCommand, readControl, freshSlotsStatements, isUp, pointsAt, readPosition, stopFast, stopFastCommand, waitStreaming, waitStreamingSql, writable, configureFollowCommand, type Seen } from './roles'
import { alterSystem } from './statements'
import { syncNames } from './sync'
import { lit } from './sql'
import { isRunning, startCommand } from './instance'

export const switchoverParams = z
  .object({
    cluster: pgCluster,
    from: memberName,
    to: memberName,
    /** Most a caught-up target may trail the primary before the stop (the stop waits for the rest). */
    maxLagBytes: z.number().int().min(0).default(16 * 1024 * 1024),
    catchUpTimeoutS: z.number().int().min(1).default(60),
    streamTimeoutS: z.number().int().min(1).default(60),
  })
  .superRefine((p, ctx) => {
    for (const k of ['from', 'to'] as const) if (!p.cluster.members.some((m) => m.name === p[k])) ctx.addIssue({ code: 'custom', message: `The cluster has no member named ${p[k]}`, path: [k] })
    if (p.from === p.to) ctx.addIssue({ code: 'custom', message: 'The target is the primary already', path: ['to'] })
  })
export type SwitchoverParams = z.output<typeof switchoverParams>

interface Memo {
  seen?: Seen[]
  /** This attempt's preflight found `from` primary and `to` streaming: later checks need not ask. */
  fresh?: boolean
  checkpoint?: string
}

export function buildSwitchover(hosts: HostExec, p: SwitchoverParams): Step<SwitchoverParams>[] {
  const c: PgCluster = p.cluster
  const node = (m: PgMember) => new PgNode(hosts, m, c.major)
  const F = node(memberOf(c, p.from))
  const T = node(memberOf(c, p.to))
  const others = c.members.filter((m) => m.name !== p.from && m.name !== p.to).map(node)
  const memo: Memo = {}
  const readAll = async () => (memo.seen = await Promise.all(c.members.map((m) => readPosition(node(m)))))
  const seenOf = (name: string) => memo.seen?.find((s) => s.member.name === name)
  const promoted = async () => {
    const s = await readPosition(T)
    return isUp(s) && writable(s.pos)
  }

  const preflight: Step<SwitchoverParams> = {
    id: 'preflight',
    title: `Check that ${p.to} streams from ${p.from} and is caught up`,
    hosts: c.members.map((m) => m.host),
    plan: () => c.members.map((m) => node(m).planned(node(m).psql(['SELECT json_build_object(…)'], 'reads role, WAL positions, senders'))),
    async check(ctx) {
      const seen = await readAll()
      const t = seen.find((s) => s.member.name === p.to)!
      if (isUp(t) && writable(t.pos)) return true // past the promotion already (a resume)
      // A resume after the stop: the primary is down by this operation's hand (catch-up checks
      // that it stopped cleanly before anything is promoted).
      return ctx.attempt > 1 && isUp(t) && t.pos.inRecovery && (await isRunning(F).catch(() => true)) === false
    },
    async run(_ctx, report) {
      const seen = memo.seen ?? (await readAll())
      const f = seenOf(p.from)!
      const t = seenOf(p.to)!
      const writers = seen.filter((s) => isUp(s) && writable(s.pos))
      if (writers.length > 1) throw pgError('cluster_state', `Cluster ${c.id} has ${writers.length} writable members (${writers.map((s) => s.member.name).join(', ')}): a split brain. Fence one first.`)
      if (!isUp(f) || !writable(f.pos)) throw pgError('preflight_failed', `${p.from} on ${F.host} is not the writable primary${isUp(f) ? '' : ` (${f.error.message})`}. A switchover needs a running primary; if it is lost, use failover.`, { host: F.host, check: 'primary' })
      if (!isUp(t) || !t.pos.inRecovery) throw pgError('preflight_failed', `${p.to} on ${T.host} is not a running standby${isUp(t) ? '' : ` (${t.error.message})`}.`, { host: T.host, check: 'target' })
      const sender = f.pos.senders.find((s) => s.name === p.to)
      if (sender?.state !== 'streaming') throw pgError('preflight_failed', `${p.to} does not stream from ${p.from} (${sender ? `state ${sender.state}` : 'not connected'}). Fix its replication (see its log on ${T.host}) or pick another target.`, { host: T.host, check: 'streaming' })
      const lag = ahead(f.pos.lsn, t.pos.replayLsn) ?? Infinity
      if (lag > p.maxLagBytes) throw pgError('preflight_failed', `${p.to} has replayed ${(lag / 1e6).toFixed(1)} MB less than ${p.from} (at most ${(p.maxLagBytes / 1e6).toFixed(0)} MB before a switchover). Wait until it catches up, or pick another target.`, { host: T.host, check: 'lag', lagBytes: lag })
      memo.fresh = true
      const down = seen.filter((s) => !isUp(s)).map((s) => s.member.name)
      report({ message: `${p.to} streams, ${lag} bytes behind${down.length ? `; not reachable now: ${down.join(', ')} (they follow after a rejoin)` : ''}` })
    },
  }

  const stop: Step<SwitchoverParams> = {
    id: 'stop',
    title: `Stop ${p.from} (fast: its last WAL goes to the standbys)`,
    hosts: [F.host],
    plan: () => [F.planned(stopFastCommand(F))],
    async check() {
      if (memo.fresh) return false
      return !(await isRunning(F)) || (await promoted())
    },
    async run(_ctx, report) {
      const s = await stopFast(F)
      if (s.state !== 'shut down') throw pgError('cluster_state', `${p.from} on ${F.host} did not shut down cleanly ("${s.state}"). Nothing was promoted: start it again and abandon, or use failover.`, { host: F.host })
      memo.checkpoint = s.checkpoint
      report({ message: `${p.from} stopped (${s.state}); last checkpoint ${s.checkpoint}` })
    },
    // Before the promotion only: the old primary simply starts again.
    async undo() {
      if (await promoted()) return
      if (!(await isRunning(F))) await F.run(startCommand(F), { timeoutMs: 330_000 })
    },
  }

  const replayedQuery = (lsn: string) => `SELECT json_build_object('done', NOT pg_is_in_recovery() OR pg_last_wal_replay_lsn() > ${lit(lsn)}::pg_lsn)`
  const waitReplaySql = (lsn: string) => `DO $rd$
DECLARE deadline timestamptz := clock_timestamp() + ${lit(`${p.catchUpTimeoutS} s`)}::interval;
BEGIN
  WHILE pg_is_in_recovery() AND coalesce(pg_last_wal_replay_lsn() <= ${lit(lsn)}::pg_lsn, true) LOOP
    IF clock_timestamp() > deadline THEN RAISE EXCEPTION 'replicadesk: not caught up'; END IF;
    PERFORM pg_sleep(0.002);
  END LOOP;
END $rd$`
  /** The old primary's last checkpoint; only a clean stop promises that the standby can have everything. */
  const checkpointOf = async () => {
    if (memo.checkpoint) return memo.checkpoint
    const s = await readControl(F)
    if (s.state !== 'shut down') throw pgError('cluster_state', `${p.from} on ${F.host} did not stop cleanly (its control file says "${s.state}"): a switchover cannot promise that ${p.to} has every write. Start ${p.from} again and abandon, or use failover, which states the data at risk.`, { host: F.host })
    return s.checkpoint
  }

  const catchUp: Step<SwitchoverParams> = {
    id: 'catch-up',
    title: `Wait until ${p.to} has replayed ${p.from}'s last checkpoint`,
    hosts: [T.host],
    plan: () => [F.planned(controlCommand(F)), T.planned(T.psql([waitReplaySql('CHECKPOINT')], 'polls pg_last_wal_replay_lsn every 2 ms'))],
    async check() {
      if (memo.fresh) return false
      if (await promoted()) return true
      return (await T.json(replayedQuery(await checkpointOf()), z.object({ done: z.boolean() }))).done
    },
    async run(_ctx, report) {
      const lsn = await checkpointOf()
      await T.sql([waitReplaySql(lsn)], { timeoutMs: (p.catchUpTimeoutS + 30) * 1000 }).catch((err: unknown) => {
        if (err instanceof Error && /not caught up/.test(err.message)) {
          throw pgError('cluster_state', `${p.to} did not replay ${p.from}'s last checkpoint (${lsn}) within ${p.catchUpTimeoutS} s. Nothing was promoted: abandon to start ${p.from} again, or look at ${p.to}'s log on ${T.host} and resume.`, { host: T.host })
        }
        throw err
      })
      report({ message: `${p.to} has every write of ${p.from} (past ${lsn})` })
    },
  }

  const promoteIt = promoteStep<SwitchoverParams>(hosts, c, T, () => !!memo.fresh, promoted)

  const follows = async (n: PgNode) => {
    const s = await readPosition(n)
    return isUp(s) && s.pos.inRecovery && pointsAt(s.pos.conninfo, T.member)
  }
  const repoint = repointStep<SwitchoverParams>(c, T, others, { fresh: () => !!memo.fresh, seenOf })

  const demote: Step<SwitchoverParams> = {
    id: 'demote',
    title: `Start ${p.from} as a standby of ${p.to}`,
    hosts: [F.host],
    plan: () => [F.planned(configureFollowCommand(F, true)), F.planned(F.psql(freshSlotsStatements(c, F.member), 'slots of its time as primary renewed'))],
    check: async () => (memo.fresh ? false : follows(F)),
    async run(_ctx, report) {
      await configureFollow(c, F, T.member, true)
      await F.sql(freshSlotsStatements(c, F.member))
      report({ message: `${p.from} runs as a standby of ${p.to}` })
    },
  }

  const syncTargets = () => c.members.map((m) => ({ n: node(m), want: syncNames(c, m.name) }))
  const sync: Step<SwitchoverParams> = {
    id: 'sync',
    title: 'Apply synchronous_standby_names',
    hosts: c.members.map((m) => m.host),
    plan: () => syncTargets().map(({ n, want }) => n.planned(n.psql([alterSystem('synchronous_standby_names', want), 'SELECT pg_reload_conf()'], 'where it differs'))),
    check: async () => false,
    async run(_ctx, report) {
      const fixed = await Promise.all(
        syncTargets().map(async ({ n, want }) => {
          const s = await readPosition(n)
          if (!isUp(s) || s.pos.syncNames === want) return undefined
          await n.sql([alterSystem('synchronous_standby_names', want), 'SELECT pg_reload_conf()'])
          return n.name
        }),
      )
      const changed = fixed.filter(Boolean)
      report({ message: changed.length ? `synchronous_standby_names set on ${changed.join(', ')}` : `synchronous_standby_names already right ('${syncNames(c, p.to) || 'asynchronous'}' on ${p.to})` })
    },
  }

  const verify: Step<SwitchoverParams> = {
    id: 'verify',
    title: `Verify that the standbys stream from ${p.to}`,
    hosts: c.members.map((m) => m.host),
    plan: () => [T.planned(T.psql([waitStreamingSql([...others.map((n) => n.name), p.from], p.streamTimeoutS)], 'waits on pg_stat_replication'))],
    check: async () => false,
    async run(_ctx, report) {
      const reachable = (await Promise.all([F, ...others].map((n) => readPosition(n)))).filter(isUp).map((s) => s.member.name)
      const streaming = await waitStreaming(T, reachable, p.streamTimeoutS)
      const missing = reachable.filter((x) => !streaming.includes(x))
      if (missing.length) throw pgError('not_streaming', `${missing.join(', ')} did not stream from ${p.to} within ${p.streamTimeoutS} s. Look at their logs; resume to check again, or rejoin them.`)
      report({ message: `${streaming.join(', ') || 'no standby'} stream${streaming.length === 1 ? 's' : ''} from ${p.to}` })
    },
  }

  return [preflight, stop, catchUp, promoteIt, repoint, demote, sync, verify]
}
