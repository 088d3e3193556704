// The judgement a switchover or failover through Patroni shows with its plan, in the same shape
// as ReplicaDesk's own (the dialog lists the candidates, says what may be lost and confirms the
// member the plan named). Built from Patroni's view read for the plan: Patroni reports each
// replica's lag behind its leader in bytes, not WAL positions.
import type { CandidateView, DataLoss, RoleChangeAssessment } from '../../../../../shared/operations'
import type { PgCluster } from '../model'
import type { PatroniStatus } from './status'

type View = Pick<PatroniStatus, 'leader' | 'members'>

function excluded(c: PgCluster, s: View, name: string): string | undefined {
  const m = s.members.find((x) => x.name === name)
  if (name === s.leader) return "Patroni's leader now"
  if (!m || m.state !== 'running') return `not running under Patroni (${m?.state ?? 'not a member'})`
  if (c.members.find((x) => x.name === name)?.neverPromote) return 'never promoted (nofailover tag)'
  if (c.members.some((x) => x.sync) && m.role !== 'sync_standby') return 'not the synchronous standby: Patroni 3.0.2 promotes only that one in synchronous mode'
  return undefined
}

function lossOf(c: PgCluster, s: View, kind: 'switchover' | 'failover', to: string): DataLoss {
  const m = s.members.find((x) => x.name === to)
  if (kind === 'switchover') return { kind: 'none', text: `none: Patroni stops ${s.leader} cleanly and ${to} receives everything it wrote before taking over.` }
  if (c.members.some((x) => x.sync) && m?.role === 'sync_standby') return { kind: 'none', text: `none: ${to} is Patroni's synchronous standby, so it has every acknowledged write.` }
  if (typeof m?.lagBytes === 'number') return { kind: 'bound', bytes: m.lagBytes, text: `up to ${m.lagBytes} bytes of WAL ${to} was behind ${s.leader ?? 'the last leader'} when read (Patroni's lag), plus what was written since.` }
  return { kind: 'unknown', text: `unknown: Patroni reports no lag for ${to}, and synchronous mode does not cover it.` }
}

export function patroniAssessment(c: PgCluster, s: View, kind: 'switchover' | 'failover', pair: { from: string | null; to: string }, picked: boolean): RoleChangeAssessment {
  const candidates: CandidateView[] = c.members.map((r) => {
    const m = s.members.find((x) => x.name === r.name)
    const why = excluded(c, s, r.name)
    return {
      name: r.name,
      host: r.host,
      reachable: m?.state === 'running',
      lsn: null,
      behindBytes: r.name === s.leader ? 0 : (m?.lagBytes ?? null),
      sync: m?.role === 'sync_standby',
      priority: r.priority,
      neverPromote: r.neverPromote,
      ...(why && { excluded: why }),
    }
  })
  const reason = picked ? `${pair.to} was named.` : c.members.some((x) => x.sync) ? `${pair.to} is Patroni's synchronous standby: the only member Patroni 3.0.2 promotes in synchronous mode.` : `${pair.to} is the running replica with the least lag Patroni reports.`
  return { from: pair.from, to: pair.to, loss: lossOf(c, s, kind, pair.to), candidates, warnings: [], reason }
}
