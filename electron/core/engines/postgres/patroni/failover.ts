// Failover of a cluster handed over to Patroni: through Patroni's REST API, never ReplicaDesk's
// own promotion (it never fights Patroni). Patroni 3.0.2 (api.py do_POST_failover, ha.py):
//   - POST /failover needs a candidate ("Failover could be performed only to a specific candidate");
//   - a healthy leader is not refused: it demotes itself gracefully, but in synchronous mode only
//     for its synchronous standby (for any other candidate it drops the request: 503 "Failover
//     failed"); without a leader, members outside /sync take no action either;
//   - a candidate tagged nofailover (never-promote) is "not allowed to promote" (412).
// ReplicaDesk refuses those cases before asking, with the reason. Journaled steps:
//   preflight  Patroni's view: the candidate runs and may take over (as above)
//   failover   POST /failover {"candidate": to} on the candidate's own REST API (its password is
//              there); Patroni answers once a leader other than the old one holds the key
//   verify     Patroni reports the candidate as leader and the other running members behind it
import { z } from 'zod'
import { AppError } from '../../../../../shared/errors'
import { roleChangeAssessment } from '../../../../../shared/operations'
import type { Step } from '../../../operations'
import type { HostExec } from '../../host-exec'
import { pgError } from '../errors'
import { memberName, pgCluster, type PgCluster } from '../model'
import type { PatroniStatus } from './status'
import { HTTP_GET, PYTHON } from './scripts'
import { readClusterOn, restCall, restCallArgv, restUrl } from './status'
import { automaticOf } from './config'
import { wait } from './wait'

export const patroniFailoverParams = z.object({
  cluster: pgCluster,
  /** Patroni's leader when planned (null: none, e.g. its host is off). */
  from: memberName.nullable(),
  to: memberName,
  /** The other members running under Patroni when planned: they must run behind `to` afterwards. */
  followers: z.array(memberName),
  waitS: z.number().int().min(5).max(600).default(40),
  /** What the plan showed (candidates, loss); absent in journals written before it existed. */
  assessment: roleChangeAssessment.optional(),
})
export type PatroniFailoverParams = z.output<typeof patroniFailoverParams>
type View = Pick<PatroniStatus, 'leader' | 'members' | 'paused'>

/** The request body Patroni 3.0.2 takes for a failover (the candidate only: with `leader` it would be a switchover). */
export const failoverBody = (to: string) => ({ candidate: to })

/**
 * Whom Patroni fails over to: `to`, else (synchronous mode) its synchronous standby, else the
 * running replica with the least lag that may be promoted. Refuses what Patroni would refuse.
 */
export function failoverTarget(c: PgCluster, s: View, to?: string): { from: string | null; to: string; followers: string[] } {
  if (s.paused) throw pgError('cluster_state', `Patroni is paused for ${c.id}: ReplicaDesk asks it for no role change while paused.`)
  const sync = c.members.some((m) => m.sync)
  const neverPromote = (name: string) => c.members.find((x) => x.name === name)?.neverPromote === true
  const syncNow = s.members.filter((x) => x.role === 'sync_standby').map((x) => x.name)
  const pick = to ?? (sync ? syncNow[0] : [...s.members].filter((m) => m.name !== s.leader && m.state === 'running' && !neverPromote(m.name)).sort((a, b) => (a.lagBytes ?? Infinity) - (b.lagBytes ?? Infinity))[0]?.name)
  if (!pick) throw pgError('cluster_state', `No member of ${c.id} can take over: ${sync ? 'Patroni names no synchronous standby' : 'no replica runs under Patroni'}.`)
  const m = s.members.find((x) => x.name === pick)
  if (pick === s.leader) throw new AppError('invalid_input', `${pick} is Patroni's leader already.`, { field: 'to' })
  if (!m || m.state !== 'running') throw pgError('cluster_state', `${pick} is not running under Patroni (${m?.state ?? 'not a member'}).`, { field: 'to' })
  if (neverPromote(pick)) throw pgError('cluster_state', `${pick} is never promoted (Patroni's nofailover tag): Patroni refuses it as a candidate.`, { field: 'to' })
  if (sync && m.role !== 'sync_standby') throw pgError('cluster_state', `Patroni 3.0.2 fails over only to its synchronous standby in synchronous mode (another could lack acknowledged writes); ${pick} is ${m.role} (the synchronous standby now: ${syncNow.join(', ') || 'none'}).`, { field: 'to' })
  const followers = s.members.filter((x) => x.name !== pick && x.state === 'running').map((x) => x.name)
  return { from: s.leader, to: pick, followers }
}

export function buildPatroniFailover(hosts: HostExec, p: PatroniFailoverParams): Step<PatroniFailoverParams>[] {
  const c = p.cluster
  const allHosts = [...new Set(c.members.map((m) => m.host))]
  const hostOf = (name: string) => c.members.find((m) => m.name === name)!.host
  /** Patroni's view, asked of the candidate first (it answers during the change), then the others. */
  const view = async () => {
    for (const name of [p.to, ...c.members.map((m) => m.name)]) {
      const s = await readClusterOn(hosts, c, name).catch(() => undefined)
      if (s) return s
    }
    throw new AppError('command_failed', `No member's Patroni answers for ${c.id}.`)
  }
  const leads = (s: View) => s.leader === p.to
  const getCluster = (note: string) => {
    const m = c.members.find((x) => x.name === p.to)!
    return { host: m.host, argv: [PYTHON, '-c', HTTP_GET, restUrl(m.address, automaticOf(c).restApiPort, '/cluster'), '3'], note }
  }

  const preflight: Step<PatroniFailoverParams> = {
    id: 'preflight',
    title: `Pre-flight: ${p.to} runs under Patroni and may take over`,
    hosts: allHosts,
    plan: () => [getCluster('Patroni\'s REST API: leader, roles, states')],
    check: async () => leads(await view()),
    async run(_ctx, report) {
      const s = await view()
      failoverTarget(c, s, p.to)
      report({ message: `leader ${s.leader ?? 'none'}; ${p.to} is ${s.members.find((m) => m.name === p.to)!.role}` })
    },
  }

  const failover: Step<PatroniFailoverParams> = {
    id: 'failover',
    title: `POST /failover {candidate: ${p.to}} to ${p.to}'s REST API`,
    hosts: [hostOf(p.to)],
    plan: () => [{ host: hostOf(p.to), argv: restCallArgv(c, p.to, 'POST', '/failover', 35).argv, runAs: 'postgres', note: `body ${JSON.stringify(failoverBody(p.to))} over stdin; the REST API password is read on the server` }],
    check: async () => leads(await view()),
    async run(_ctx, report) {
      const r = await restCall(hosts, c, p.to, 'POST', '/failover', failoverBody(p.to), 35)
      if (r.status !== 200) throw pgError('cluster_state', `Patroni refused or failed the failover (${r.status}): ${r.body.trim()}`, { host: hostOf(p.to) })
      report({ message: r.body.trim() })
    },
  }

  const verify: Step<PatroniFailoverParams> = {
    id: 'verify',
    title: `Patroni reports ${p.to} as leader and ${p.followers.join(', ') || 'no other member'} running behind it`,
    hosts: allHosts,
    plan: () => [getCluster('until the other members run as its replicas')],
    check: async () => false,
    async run(_ctx, report) {
      const done = await wait(p.waitS * 1000, async () => {
        const s = await view()
        const behind = p.followers.every((f) => s.members.some((m) => m.name === f && m.state === 'running' && typeof m.lagBytes === 'number'))
        return leads(s) && behind ? s : undefined
      }, 250)
      if (!done) throw pgError('cluster_state', `Patroni does not report ${p.to} as leader with ${p.followers.join(', ')} running behind it within ${p.waitS} s. Look at \`patronictl list\` on a member.`)
      report({ message: `leader ${p.to}; ${done.members.filter((m) => m.name !== p.to).map((m) => `${m.name} ${m.role}`).join(', ')}` })
    },
  }
  return [preflight, failover, verify]
}
