// preflight: every member read on every attempt; `from` the one writable primary, `to` a replica
// of it with both threads running and at most maxBehindTransactions behind, no split brain
// (assessMariaSwitchover judges). Found done when `to` is the primary already, or (a resume)
// when `from` refuses writes and `to` still replicates (catch-up reads `from`'s position).
// What it read and found fit is handed along (judged) to the checks of this attempt.
// demote: `from` follows `to` (read-only, CHANGE MASTER … MASTER_USE_GTID = slave_pos).
// verify: every reachable member replicates from `to` (bounded wait); never found done.
import type { Step } from '../../../operations'
import { Handoff } from '../../handoff'
import { assessMariaSwitchover } from '../assess'
import { mariaError } from '../errors'
import { who, type MariaMember } from '../model'
import type { MariaNode } from '../node'
import { followCommand, followNewPrimary, follows, isPrimaryNow, isUp, readRole, readRoles, replicatesFrom, setReadOnlyCommand, threadsOf, type MariaReading } from '../roles'
import type { MariaSwitchoverParams } from '.'
import { readAll, readingOf, type SwitchoverHandoffs, type SwitchoverOp } from './context'

export function preflightStep(op: SwitchoverOp, h: SwitchoverHandoffs): Step<MariaSwitchoverParams> {
  const { p, c, T, node } = op
  const read = new Handoff<MariaReading[]>("pre-flight's check: every member as read now")
  return {
    id: 'preflight',
    title: `Check that ${p.to} replicates from ${p.from} and is caught up`,
    hosts: c.members.map((m) => m.host),
    plan: () => c.members.map((m) => node(m).planned(node(m).mysql(['mariadb', '…'], 'reads read_only, GTID positions and the replication threads'))),
    async check(ctx) {
      const seen = read.put(ctx, await readAll(op))
      const t = readingOf(seen, T)!
      if (isPrimaryNow(t)) return true // past the promotion already (a resume)
      const f = readingOf(seen, op.F)!
      return ctx.attempt > 1 && isUp(f) && f.facts.readOnly && !threadsOf(f) && follows(t, op.F.member)
    },
    async run(ctx, report) {
      const seen = read.take(ctx) ?? (await readAll(op))
      const a = assessMariaSwitchover(c, seen, p.to, p.maxBehindTransactions)
      if (a.from !== p.from) throw mariaError('preflight_failed', `${a.from} is the primary now, not ${p.from}: make the plan again.`, { check: 'primary' })
      h.judged.put(ctx, seen)
      const t = a.candidates.find((v) => v.name === p.to)!
      const down = a.candidates.filter((v) => !v.reachable).map((v) => v.name)
      report({ message: `${p.to} replicates, ${t.behindTransactions ?? 0} transaction(s) behind${down.length ? `; not reachable now: ${down.join(', ')} (they follow after a rejoin)` : ''}` })
    },
  }
}

export function demoteStep(op: SwitchoverOp, h: SwitchoverHandoffs): Step<MariaSwitchoverParams> {
  const { p, c, F, T } = op
  return {
    id: 'demote',
    title: `${p.from} follows ${p.to}`,
    hosts: [F.host],
    plan: () => [F.planned(setReadOnlyCommand(F, true)), F.planned(followCommand(c, F, T.member))],
    async check(ctx) {
      if (h.judged.get(ctx)) return false // `from` was the primary when pre-flight read it, this attempt
      const f = await readRole(F)
      return isUp(f) && f.facts.readOnly && follows(f, T.member)
    },
    async run(_ctx, report) {
      // Read-only since the read-only step; one that accepts writes again (a primary) is refused.
      const said = await followNewPrimary(c, F, T.member, await readRole(F))
      report({ message: said })
    },
  }
}

export function verifyStep(op: SwitchoverOp): Step<MariaSwitchoverParams> {
  const { p, F, T, others } = op
  return {
    id: 'verify',
    title: `Verify that the others replicate from ${p.to}`,
    hosts: [F, ...others].map((n) => n.host),
    plan: () => [F, ...others].map((n) => n.planned(n.mysql(['mariadb', '…'], `SHOW ALL SLAVES STATUS until both threads run from ${p.to}`))),
    check: async () => false,
    async run(_ctx, report) {
      const names = await waitReplicating([F, ...others], T.member, p.streamTimeoutS)
      if (names.missing.length) throw mariaError('not_streaming', `${names.missing.map((r) => `${r.member} (${r.why})`).join(', ')} did not replicate from ${who(T.member)} within ${p.streamTimeoutS} s. Look at their error logs; resume to check again, or rejoin them.`, { members: names.missing.map((r) => r.member) })
      report({ message: `${names.ok.join(', ') || 'no member'} replicate${names.ok.length === 1 ? 's' : ''} from ${p.to}${names.down.length ? `; not reachable: ${names.down.join(', ')} (rejoin them)` : ''}` })
    },
  }
}

/** Polls `nodes` (bounded) until each that answers replicates from `up` with both threads running. */
export async function waitReplicating(nodes: readonly MariaNode[], up: MariaMember, timeoutS: number) {
  const end = Date.now() + timeoutS * 1000
  for (;;) {
    const seen = await readRoles(nodes)
    const down = seen.filter((s) => !isUp(s)).map((s) => s.member)
    const missing = seen.filter((s) => isUp(s) && !replicatesFrom(s, up)).map((s) => {
      const t = threadsOf(s)
      return { member: s.member, why: t ? `IO ${t.ioRunning}, SQL ${t.sqlRunning}${t.lastIoError ? `: ${t.lastIoError}` : ''}${t.lastSqlError ? `: ${t.lastSqlError}` : ''}` : 'no replication' }
    })
    const ok = seen.filter((s) => isUp(s) && replicatesFrom(s, up)).map((s) => s.member)
    if (!missing.length || Date.now() > end) return { ok, missing, down }
    await new Promise((r) => setTimeout(r, 200))
  }
}
