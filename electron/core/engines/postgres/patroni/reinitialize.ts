// Rebuild of a member of a cluster handed over to Patroni: Patroni's own `POST /reinitialize` on
// that member's REST API (Patroni stops it, wipes its data dir and copies it afresh from the
// leader), never ReplicaDesk's own rebuild (it never fights Patroni). Journaled steps:
//   preflight     Patroni has a leader and it is not this member (Patroni refuses the leader too)
//   reinitialize  POST /reinitialize {force: true} on the member's own REST API (its password is
//                 there), then wait until its data dir is a new copy (PG_VERSION's inode and ctime)
//   verify        Patroni reports it running behind the leader and its PostgreSQL streams again
// A resumed reinitialize posts again: it wipes again (the user confirmed the wipe twice).
import { z } from 'zod'
import { AppError } from '../../../../../shared/errors'
import type { Step } from '../../../operations'
import type { HostExec } from '../../host-exec'
import { pgError } from '../errors'
import { memberName, memberOf, pgCluster, type PgCluster } from '../model'
import { PgNode } from '../node'
import { copyTime } from '../plan-words'
import { automaticOf } from './config'
import { HTTP_GET, PYTHON } from './scripts'
import { readClusterOn, restCall, restCallArgv, restUrl } from './status'
import { wait } from './wait'

export const patroniReinitializeParams = z.object({
  cluster: pgCluster,
  member: memberName,
  /** The copy's limit: Patroni's pg_basebackup of the whole cluster. */
  copyS: z.number().int().min(10).max(24 * 3600).default(1800),
  /** Streaming again after the copy. */
  streamS: z.number().int().min(5).max(600).default(120),
})
export type PatroniReinitializeParams = z.output<typeof patroniReinitializeParams>

const ANY_EXIT = Array.from({ length: 256 }, (_, i) => i)

/** PG_VERSION's inode and ctime: a new copy makes a new file. '' when there is none (mid-copy). */
async function copyIdentity(hosts: HostExec, c: PgCluster, member: string): Promise<string> {
  const m = memberOf(c, member)
  const r = await hosts.exec(m.host, ['stat', '-c', '%i %z', `${m.dataDir}/PG_VERSION`], { timeoutMs: 10_000, okExitCodes: ANY_EXIT, ...(m.access === 'sudo' && { sudo: 'postgres' }) })
  return r.exitCode === 0 ? r.stdout.trim() : ''
}

/** Patroni's view, from the member itself first, then the others. */
async function view(hosts: HostExec, c: PgCluster, first: string) {
  for (const name of [first, ...c.members.map((m) => m.name).filter((n) => n !== first)]) {
    const s = await readClusterOn(hosts, c, name).catch(() => undefined)
    if (s) return s
  }
  throw new AppError('command_failed', `No member's Patroni answers for ${c.id}.`)
}

export function buildPatroniReinitialize(hosts: HostExec, p: PatroniReinitializeParams): Step<PatroniReinitializeParams>[] {
  const c = p.cluster
  const m = memberOf(c, p.member)
  const allHosts = [...new Set(c.members.map((x) => x.host))]
  const node = new PgNode(hosts, m, c.major)
  let before: string | undefined

  const preflight: Step<PatroniReinitializeParams> = {
    id: 'preflight',
    title: `Pre-flight: Patroni has a leader, and it is not ${m.name}`,
    hosts: allHosts,
    plan: () => [{ host: m.host, argv: [PYTHON, '-c', HTTP_GET, restUrl(m.address, automaticOf(c).restApiPort, '/cluster'), '3'], note: "Patroni's REST API: leader, roles, states" }],
    check: async () => false,
    async run(_ctx, report) {
      const s = await view(hosts, c, m.name)
      refuseLeader(c, s, m.name)
      before = await copyIdentity(hosts, c, m.name)
      report({ message: `leader ${s.leader}; ${m.name} is ${s.members.find((x) => x.name === m.name)?.state || 'unknown'}` })
    },
  }

  const reinitialize: Step<PatroniReinitializeParams> = {
    id: 'reinitialize',
    title: `POST /reinitialize to ${m.name}'s REST API: Patroni wipes ${m.dataDir} on ${m.host} and copies it afresh from the leader`,
    hosts: [m.host],
    weight: 10,
    plan: () => [{ host: m.host, argv: restCallArgv(c, m.name, 'POST', '/reinitialize', 30).argv, runAs: 'postgres', note: 'body {"force": true} over stdin; the REST API password is read on the server' }],
    check: async () => false,
    async run(_ctx, report) {
      before ??= await copyIdentity(hosts, c, m.name)
      const r = await restCall(hosts, c, m.name, 'POST', '/reinitialize', { force: true }, 30)
      if (r.status !== 200) throw pgError('cluster_state', `${m.host}: Patroni refused to reinitialize ${m.name} (${r.status}): ${r.body.trim()}`, { host: m.host })
      report({ message: `${r.body.trim()}; waiting for the new copy` })
      const copied = await wait(p.copyS * 1000, async () => {
        const now = await copyIdentity(hosts, c, m.name)
        return now && now !== before ? now : undefined
      }, 500)
      if (!copied) throw pgError('cluster_state', `${m.host}: ${m.name}'s data dir is not a new copy within ${p.copyS} s. Look at its Patroni log (journalctl -u patroni@…) and \`patronictl list\` there.`, { host: m.host })
      report({ message: `${m.dataDir} copied afresh` })
    },
  }

  const verify: Step<PatroniReinitializeParams> = {
    id: 'verify',
    title: `Patroni reports ${m.name} running behind the leader, and it streams`,
    hosts: allHosts,
    plan: () => [node.planned(node.psql(['SELECT status FROM pg_stat_wal_receiver'], 'until it streams from the leader'))],
    check: async () => false,
    async run(_ctx, report) {
      const done = await wait(p.streamS * 1000, async () => {
        const s = await view(hosts, c, m.name)
        const me = s.members.find((x) => x.name === m.name)
        if (!me || me.state !== 'running' || s.leader === m.name || typeof me.lagBytes !== 'number') return undefined
        const receiver = (await node.sql(['SELECT status FROM pg_stat_wal_receiver'], { timeoutMs: 5000 })).trim()
        return receiver === 'streaming' ? { s, me } : undefined
      }, 500)
      if (!done) throw pgError('cluster_state', `${m.name} does not run and stream under Patroni within ${p.streamS} s of its new copy. Look at \`patronictl list\` on a member.`, { host: m.host })
      report({ message: `${m.name} ${done.me.role}, streaming from ${done.s.leader}, ${done.me.lagBytes} bytes behind` })
    },
  }
  return [preflight, reinitialize, verify]
}

/** Patroni copies a member from its leader: the leader itself (or a cluster without one) cannot be. */
export function refuseLeader(c: PgCluster, s: { leader: string | null; members: { name: string }[] }, member: string): void {
  if (!s.members.some((x) => x.name === member)) throw pgError('cluster_state', `Patroni does not know ${member} (is its Patroni running?).`)
  if (!s.leader) throw pgError('cluster_state', `Patroni reports no leader for ${c.id}: there is nothing to copy from. Wait until it has one.`)
  if (s.leader === member) throw pgError('cluster_state', `${member} is Patroni's leader: it cannot be rebuilt. Switch over first (replicadesk switchover ${c.id}), then rebuild it.`)
}

export function reinitializeSummary(p: PatroniReinitializeParams, sizeBytes: number | null): string[] {
  const m = memberOf(p.cluster, p.member)
  return [
    `Patroni rebuilds ${m.name} on ${m.host}: its data dir ${m.dataDir} is wiped (you confirmed it) and copied afresh from the leader: ${copyTime(sizeBytes)}.`,
    `Writes on the leader do not pause; ${m.name} is stopped meanwhile and streams again after the copy.`,
    `Writes that exist only on ${m.name} are thrown away; the leader's data is not touched.`,
  ]
}
