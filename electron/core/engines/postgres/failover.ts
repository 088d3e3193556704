// A failover, as journaled steps:
//   assess   first attempt: the plan's read (made by the caller a moment ago) stands; a resumed
//            one reads the survivors again. Either way they are read again under the lease, in
//            parallel with the fence, before anything is promoted:
//            `to` is still a standby, nobody writes, `to` has no less WAL than planned, the
//            loss is no worse than the plan the user confirmed
//   fence    the old primary, when it answers: stopped, standby.signal + follow settings, fence
//            marker, Debian start.conf disabled, in one remote command. A killed postmaster
//            (a zombie, or a pid file left behind) counts as stopped at once. The attempt is
//            bounded (fenceTimeoutMs, connect included: short where status shows the host
//            silent, so a powered-off box costs the promotion that long at most, and the plan
//            says how long). When it does not answer, it stays marked fenced in the record and
//            is fenced the moment it is seen again (never started as primary). The survivors'
//            read (see assess) runs beside it; a refusal there leaves the old primary fenced
//            (abandon restarts it: undo)
//   promote  `to` accepts writes; its synchronous_standby_names (the record's, without the
//            fenced old primary: started by hand as a standby it must never confirm a commit)
//            is set in the same command, so it enforces them from its first write
//   repoint  the other standbys follow `to`, in parallel (those further ahead need a rejoin)
//   verify   the reachable standbys stream from `to`
// The cluster lease is taken on the survivors only (all of them): the old primary is not a
// participant, and any majority of the whole cluster meets the survivors.
import { z } from 'zod'
import { roleChangeAssessment } from '../../../../shared/operations'
import type { Step } from '../../operations'
import type { HostExec } from '../host-exec'
import { assessFailover } from './assess'
import { pgError } from './errors'
import { memberName, memberOf, pgCluster, type PgCluster, type PgMember } from './model'
import { PgNode } from './node'
import { promoteStep, repointStep } from './role-steps'
import { syncNames } from './sync'
import { ahead, unfenceAndStart, fence, isUp, readPosition, stopAndFenceCommand, waitStreaming, waitStreamingSql, writable, type Seen } from './roles'

export const failoverParams = z
  .object({
    cluster: pgCluster,
    /** The member that was primary, when known. */
    from: memberName.nullable(),
    to: memberName,
    /** What the user confirmed (journaled: the note of what was promised). */
    assessment: roleChangeAssessment,
    /** How long to try to reach the old primary (connect included) before marking it fenced in the record only. */
    fenceTimeoutMs: z.number().int().min(100).default(3000),
    streamTimeoutS: z.number().int().min(1).default(30),
  })
  .superRefine((p, ctx) => {
    if (!p.cluster.members.some((m) => m.name === p.to)) ctx.addIssue({ code: 'custom', message: `The cluster has no member named ${p.to}`, path: ['to'] })
    if (p.from !== null && !p.cluster.members.some((m) => m.name === p.from)) ctx.addIssue({ code: 'custom', message: `The cluster has no member named ${p.from}`, path: ['from'] })
    if (p.from === p.to) ctx.addIssue({ code: 'custom', message: 'The candidate is the old primary', path: ['to'] })
  })
export type FailoverParams = z.output<typeof failoverParams>

/** The members whose hosts grant a failover's lease: every member but the old primary. */
export const failoverLeaseHosts = (c: PgCluster, from: string | null) => [...new Set(c.members.filter((m) => m.name !== from).map((m) => m.host))]

export function buildFailover(hosts: HostExec, p: FailoverParams): Step<FailoverParams>[] {
  const c: PgCluster = p.cluster
  const node = (m: PgMember) => new PgNode(hosts, m, c.major)
  const T = node(memberOf(c, p.to))
  const F = p.from ? node(memberOf(c, p.from)) : undefined
  const others = c.members.filter((m) => m.name !== p.from && m.name !== p.to).map(node)
  /** seen: the survivors read this attempt; fresh: judged against the plan; past: a resume found `to` promoted already. */
  const memo: { seen?: Seen[]; fresh?: boolean; past?: boolean } = {}
  const promoted = async () => {
    const s = await readPosition(T)
    return isUp(s) && writable(s.pos)
  }
  const readSurvivors = async () => (memo.seen = await Promise.all([T, ...others].map((n) => readPosition(n))))

  /** The survivors as read now, judged against the confirmed plan; throws when it no longer holds. */
  const judge = (seen: Seen[]) => {
    const now = assessFailover({ cluster: c, from: p.from, seen, lastPrimary: null, to: p.to })
    const had = p.assessment.candidates.find((v) => v.name === p.to)?.lsn ?? null
    const has = now.candidates.find((v) => v.name === p.to)?.lsn ?? null
    // The candidate's WAL only grows; less than the plan said means another server than planned.
    if (had && (ahead(had, has) ?? 1) > 0) throw pgError('cluster_state', `${p.to} has less WAL now (${has ?? 'none'}) than when the plan was made (${had}). Nothing was promoted: make the plan again.`, { host: T.host })
    // Promised: no loss. A synchronous standby that stopped answering since makes that unsure.
    if (p.assessment.loss.kind === 'none' && now.loss.kind !== 'none') throw pgError('cluster_state', `The plan said no acknowledged write is lost; read again now: ${now.loss.text} Nothing was promoted: make the plan again.`, { host: T.host })
    memo.fresh = true
    return has
  }

  const assess: Step<FailoverParams> = {
    id: 'assess',
    title: `Check that ${p.to} can take over`,
    hosts: [T, ...others].map((n) => n.host),
    plan: () => [T, ...others].map((n) => n.planned(n.psql(['SELECT json_build_object(…)'], 'reads role and WAL positions (again under the lease, beside the fence)'))),
    async check(ctx) {
      // First attempt: the caller read the survivors for the plan a moment ago; nothing of this
      // operation ran, so nothing can be promoted yet. The fence step reads them again.
      if (ctx.attempt <= 1) return false
      const seen = await readSurvivors()
      const t = seen[0]!
      return (memo.past = isUp(t) && writable(t.pos))
    },
    async run(ctx, report) {
      if (ctx.attempt <= 1 && !memo.seen) {
        const planned = p.assessment.candidates.find((v) => v.name === p.to)?.lsn ?? 'none'
        report({ message: `${p.to} at ${planned} when planned; expected loss: ${p.assessment.loss.text} (read again beside the fence)` })
        return
      }
      const has = judge(memo.seen ?? (await readSurvivors()))
      report({ message: `${p.to} at ${has}; expected loss: ${p.assessment.loss.text}` })
    },
  }

  const fenceStep: Step<FailoverParams> = {
    id: 'fence',
    title: p.from ? `Fence ${p.from} (stop it; it may only come back as a standby; its host is given ${p.fenceTimeoutMs} ms to answer)` : 'Fence the old primary (unknown: nothing to do)',
    hosts: F ? [F.host, T.host, ...others.map((n) => n.host)] : [T.host, ...others.map((n) => n.host)],
    plan: () => {
      if (!F) return []
      const c0 = F.planned(stopAndFenceCommand(F, true, `failover to ${p.to}`))
      return [{ ...c0, note: `${c0.note ?? ''}; at most ${p.fenceTimeoutMs} ms, connect included: a host that does not answer by then stays fenced in the record and is fenced when it is seen again` }]
    },
    // Never skipped while the survivors' read of this attempt is still to be judged.
    check: async () => !F && (memo.fresh === true || memo.past === true),
    async run(ctx, report) {
      const reread = memo.fresh || memo.past ? Promise.resolve(undefined) : readSurvivors().then(judge)
      const fenced = F ? fenceOld(ctx.operationId) : Promise.resolve(undefined)
      // Both settle before anything else happens: a refusal never leaves a fence in flight.
      const [r, f] = await Promise.allSettled([reread, fenced])
      if (f.status === 'rejected') throw f.reason
      if (r.status === 'rejected') throw r.reason
      if (f.value) report({ message: f.value })
    },
    // Abandoned before the promotion: the old primary (where it answers) runs again as it was.
    async undo() {
      if (!F || (await promoted())) return
      await unfenceAndStart(F)
    },
  }

  /** Stops and fences the old primary within fenceTimeoutMs; says what happened. */
  async function fenceOld(operationId: string): Promise<string> {
    if (!F) return ''
    try {
      const stopped = await fence(c, F, T.member, `failover of ${c.id} to ${p.to} (operation ${operationId})`, p.fenceTimeoutMs)
      return `${p.from} stopped (${stopped.state}) and fenced`
    } catch (err) {
      // Unreachable: the record marks it fenced (see the cluster service); ReplicaDesk fences
      // it when it is seen again. Any other failure stops the failover before the promotion.
      const code = (err as { code?: string }).code
      if (code !== 'ssh_connect' && code !== 'ssh_timeout') throw err
      return `${p.from} on ${F.host} does not answer within ${p.fenceTimeoutMs} ms (${(err as Error).message}); it stays marked fenced and is fenced when it is seen again`
    }
  }

  const fencedAfter: PgCluster = { ...c, fenced: [...new Set([...c.fenced, ...(p.from ? [p.from] : [])])] }
  const promoteIt = promoteStep<FailoverParams>(hosts, c, T, () => !!memo.fresh, promoted, syncNames(fencedAfter, p.to))

  // A standby that received more than the new primary cannot follow it: rejoin rewinds it.
  const lsnOf = (name: string) => p.assessment.candidates.find((v) => v.name === name)?.lsn ?? null
  const repoint = repointStep<FailoverParams>(fencedAfter, T, others, {
    fresh: () => !!memo.fresh,
    seenOf: (name) => memo.seen?.find((x) => x.member.name === name),
    skip: (name) => ((ahead(lsnOf(name), lsnOf(p.to)) ?? 0) > 0 ? `${name} received more than ${p.to}: rejoin it (pg_rewind)` : undefined),
  })

  const verify: Step<FailoverParams> = {
    id: 'verify',
    title: `Verify that the standbys stream from ${p.to}`,
    hosts: [T.host],
    plan: () => [T.planned(T.psql([waitStreamingSql(others.map((n) => n.name), p.streamTimeoutS)], 'waits on pg_stat_replication'))],
    check: async () => false,
    async run(_ctx, report) {
      const reachable = (await Promise.all(others.map((n) => readPosition(n)))).filter((s) => isUp(s) && s.pos.inRecovery).map((s) => s.member.name)
      const streaming = await waitStreaming(T, reachable, p.streamTimeoutS)
      const missing = reachable.filter((x) => !streaming.includes(x))
      report({ message: `${streaming.join(', ') || 'no standby'} stream${streaming.length === 1 ? 's' : ''} from ${p.to}${missing.length ? `; not streaming: ${missing.join(', ')} (rejoin them)` : ''}` })
    },
  }

  return [assess, fenceStep, promoteIt, repoint, verify]
}
