// Switchover of a cluster handed over to Patroni: through Patroni's REST API, never ReplicaDesk's
// own role change (it never fights Patroni). Journaled steps whose checks read Patroni:
//   preflight  Patroni's leader is still `from`, the candidate runs (and in synchronous mode is
//              Patroni's synchronous standby: Patroni 3.0.2 switches over to nobody else)
//   switchover POST /switchover {leader, candidate} on the leader's own REST API (its password is
//              there); Patroni answers once the candidate holds the leader key
//   verify     Patroni reports the candidate as leader and the old leader running behind it
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

export const patroniSwitchoverParams = z.object({
  cluster: pgCluster,
  from: memberName,
  to: memberName,
  waitS: z.number().int().min(5).max(600).default(40),
  /** What the plan showed (candidates, loss); absent in journals written before it existed. */
  assessment: roleChangeAssessment.optional(),
})
export type PatroniSwitchoverParams = z.output<typeof patroniSwitchoverParams>

/**
 * From and to as Patroni sees the cluster now: its leader, and `to` or else (synchronous mode)
 * its synchronous standby, else the running replica with the least lag that may be promoted.
 */
export function switchoverPair(c: PgCluster, s: Pick<PatroniStatus, 'leader' | 'members' | 'paused'>, to?: string): { from: string; to: string } {
  if (!s.leader) throw pgError('cluster_state', `Patroni reports no leader for ${c.id}: it is failing over or has lost etcd. Wait, then look at the cluster again.`)
  if (s.paused) throw pgError('cluster_state', `Patroni is paused for ${c.id}: it changes no role while paused.`)
  const sync = c.members.some((m) => m.sync)
  const eligible = s.members.filter((m) => m.name !== s.leader && m.state === 'running' && !c.members.find((x) => x.name === m.name)?.neverPromote)
  if (to) {
    const m = s.members.find((x) => x.name === to)
    if (to === s.leader) throw new AppError('invalid_input', `${to} is Patroni's leader already.`, { field: 'to' })
    if (!m || m.state !== 'running') throw pgError('cluster_state', `${to} is not running under Patroni (${m?.state ?? 'not a member'}).`, { field: 'to' })
    if (sync && m.role !== 'sync_standby') throw pgError('cluster_state', `Patroni 3.0.2 switches over only to its synchronous standby in synchronous mode; ${to} is ${m.role} (the synchronous standby now: ${s.members.filter((x) => x.role === 'sync_standby').map((x) => x.name).join(', ') || 'none'}).`, { field: 'to' })
    return { from: s.leader, to }
  }
  const pick = sync ? eligible.find((m) => m.role === 'sync_standby') : [...eligible].sort((a, b) => (a.lagBytes ?? Infinity) - (b.lagBytes ?? Infinity))[0]
  if (!pick) throw pgError('cluster_state', `No member of ${c.id} can take over from ${s.leader}: ${sync ? 'no synchronous standby runs' : 'no replica runs'}.`)
  return { from: s.leader, to: pick.name }
}

export function buildPatroniSwitchover(hosts: HostExec, p: PatroniSwitchoverParams): Step<PatroniSwitchoverParams>[] {
  const c = p.cluster
  const allHosts = [...new Set(c.members.map((m) => m.host))]
  const hostOf = (name: string) => c.members.find((m) => m.name === name)!.host
  const read = (name: string) => readClusterOn(hosts, c, name)
  /** Patroni's view, asked of the candidate first (it answers during the switch), then the others. */
  const view = async () => {
    for (const name of [p.to, p.from, ...c.members.map((m) => m.name)]) {
      const s = await read(name).catch(() => undefined)
      if (s) return s
    }
    throw new AppError('command_failed', `No member's Patroni answers for ${c.id}.`)
  }
  const switched = (s: Awaited<ReturnType<typeof view>>) => s.leader === p.to
  const getCluster = (name: string, note: string) => {
    const m = c.members.find((x) => x.name === name)!
    return { host: m.host, argv: [PYTHON, '-c', HTTP_GET, restUrl(m.address, automaticOf(c).restApiPort, '/cluster'), '3'], note }
  }

  const preflight: Step<PatroniSwitchoverParams> = {
    id: 'preflight',
    title: `Pre-flight: Patroni's leader is ${p.from}, ${p.to} can take over`,
    hosts: allHosts,
    plan: () => [getCluster(p.from, 'Patroni\'s REST API: leader, roles, states')],
    check: async () => switched(await view()),
    async run(_ctx, report) {
      const s = await view()
      const pair = switchoverPair(c, s, p.to)
      if (pair.from !== p.from) throw pgError('cluster_state', `Patroni's leader is ${pair.from} now, not ${p.from}: look at the cluster again and start a new switchover.`)
      report({ message: `leader ${p.from}; ${p.to} is ${s.members.find((m) => m.name === p.to)!.role}` })
    },
  }

  const switchover: Step<PatroniSwitchoverParams> = {
    id: 'switchover',
    title: `POST /switchover {leader: ${p.from}, candidate: ${p.to}} to ${p.from}'s REST API`,
    hosts: [hostOf(p.from)],
    plan: () => [{ host: hostOf(p.from), argv: restCallArgv(c, p.from, 'POST', '/switchover', 35).argv, runAs: 'postgres', note: `body {"leader": "${p.from}", "candidate": "${p.to}"} over stdin; the REST API password is read on the server` }],
    check: async () => switched(await view()),
    async run(_ctx, report) {
      const r = await restCall(hosts, c, p.from, 'POST', '/switchover', { leader: p.from, candidate: p.to }, 35)
      if (r.status !== 200) throw pgError('cluster_state', `Patroni refused or failed the switchover (${r.status}): ${r.body.trim()}`, { host: hostOf(p.from) })
      report({ message: r.body.trim() })
    },
  }

  const verify: Step<PatroniSwitchoverParams> = {
    id: 'verify',
    title: `Patroni reports ${p.to} as leader and ${p.from} running behind it`,
    hosts: allHosts,
    plan: () => [getCluster(p.to, 'until the old leader runs as a replica')],
    check: async () => false,
    async run(_ctx, report) {
      const done = await wait(p.waitS * 1000, async () => {
        const s = await view()
        return switched(s) && s.members.find((m) => m.name === p.from)?.state === 'running' ? s : undefined
      }, 250)
      if (!done) throw pgError('cluster_state', `Patroni does not report ${p.to} as leader with ${p.from} running within ${p.waitS} s. Look at \`patronictl list\` on a member.`)
      report({ message: `leader ${p.to}; ${done.members.filter((m) => m.name !== p.to).map((m) => `${m.name} ${m.role}`).join(', ')}` })
    },
  }
  return [preflight, switchover, verify]
}
