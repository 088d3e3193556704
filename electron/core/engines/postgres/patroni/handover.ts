// Hand a running ReplicaDesk cluster over to Patroni + etcd (automatic failover), as journaled
// steps whose checks read the servers:
//   preflight  three etcd voters (the members' hosts), patroni/etcd/etcdctl installed, members
//              reached as an admin with sudo, one writable primary that every standby streams from
//   tls        etcd's certificates: a CA made on the first voter, each host's keys made there (tls.ts)
//   etcd       a unit per voter bound to the host's own address, client and peer traffic over TLS
//              with client certificates required, started through systemctl, enabled; healthy on every voter
//   config     Patroni's config per member (/etc/patroni/MAJOR-MEMBER.yml, 0600 postgres), the
//              passwords filled in on the server, and its role-change callback (callback.ts);
//              pg_rewind's grants to the replication role
//   primary    Patroni on the primary first: with a non-empty data dir and no initialize key in
//              etcd it adopts the running server (same system identifier; a reload, no restart)
//   replicas   then on each standby: it keeps its data dir (Patroni 3.0 changes primary_conninfo
//              with a reload on PostgreSQL ≥ 14) and shows as running behind the leader
//   address    with a service address: keepalived on every member's host takes it over from the
//              manual holder and moves it with Patroni's leader from then on (keepalived-steps.ts)
//   verify     Patroni reports one leader and every other member running and streaming from it
// ReplicaDesk's ALTER SYSTEM values are reset on each member just before its Patroni starts:
// postgresql.auto.conf would otherwise override the postgresql.conf Patroni writes.
import { z } from 'zod'
import type { Step } from '../../../operations'
import type { HostExec } from '../../host-exec'
import { pgError } from '../errors'
import { pgCluster, type PgCluster } from '../model'
import { PgNode } from '../node'
import { rewindGrantSql } from '../rejoin/checkpoint'
import { SETTING_KEYS } from '../settings/values'
import { automaticOf, ETCD_DATA_DIR, ETCD_UNIT, ETCD_UNIT_FILE, etcdUnit, markOf, meaningChanges, patroniConfig, patroniConfigFile, patroniSlot, patroniUnit, votersOf } from './config'
import { createSlotSql } from '../statements'
import { answered, factsCommand, readFacts, type Facts, type MemberFactsSeen } from './read'
import { FILL_PATRONI_CONFIG, FIND_TOOLS, FIRST_LINE, PUT_ROOT_FILE, PYTHON } from './scripts'
import { readClusterOn, readEtcdHealth } from './status'
import { tlsStep } from './tls'
import { wait } from './wait'
import { addressHandoverStep, installCommand, keepalivedPlan, keepalivedProblems } from './keepalived-steps'
import { callbackPlan, callbacksWritten, writeCallbacks } from './callback-steps'
import { dropInPlan, dropInsWritten, writeDropIns } from './unit-dropin'
import { localEtcdEndpoint, MOVE_CALL_TIMEOUT_S, moveLeaderArgv } from './etcd-leader'

export const handoverParams = z.object({
  cluster: pgCluster,
  /** How long each member's Patroni may take to show as running. */
  joinTimeoutS: z.number().int().min(5).max(600).default(60),
})
export type HandoverParams = z.output<typeof handoverParams>

/** Without a service address or notification URL; installCommand(c) adds curl and keepalived when needed. */
export const INSTALL_COMMAND = 'sudo -n apt-get install -y patroni etcd-server etcd-client openssl'
const UNIT_TIMEOUT_MS = 30_000

/** The one writable member and the facts of every member; throws naming what is wrong. */
export function primaryOf(c: PgCluster, seen: readonly Facts[]): { name: string; facts: MemberFactsSeen } {
  const down = seen.filter((s) => !answered(s))
  if (down.length) throw pgError('cluster_state', `Not every member answers: ${down.map((s) => `${s.name} on ${s.host} (${'error' in s ? s.error : ''})`).join('; ')}. Start them or remove them from the cluster first; nothing was changed.`)
  const w = seen.filter(answered).filter((s) => s.facts.writable)
  if (w.length !== 1) throw pgError('cluster_state', w.length ? `${w.map((s) => s.name).join(' and ')} all accept writes: end the split brain first.` : `No member of ${c.id} accepts writes: start the primary or fail over first.`)
  return { name: w[0]!.name, facts: w[0]!.facts }
}

export function buildHandover(hosts: HostExec, p: HandoverParams): Step<HandoverParams>[] {
  const c = p.cluster
  const a = automaticOf(c)
  const nodes = c.members.map((m) => new PgNode(hosts, m, c.major))
  const nodeOf = (name: string) => nodes.find((n) => n.name === name)!
  const allHosts = [...new Set(nodes.map((n) => n.host))]
  const readAll = () => Promise.all(nodes.map(readFacts))
  const rootRun = (host: string, argv: string[], stdin?: string, timeoutMs = UNIT_TIMEOUT_MS) => hosts.exec(host, argv, { sudo: true, timeoutMs, ...(stdin !== undefined && { stdin }) })
  const templates = async () => {
    const seen = await readAll()
    const primary = primaryOf(c, seen)
    return new Map(c.members.map((m) => [m.name, patroniConfig(c, m, { listenAddresses: (seen.find((s) => s.name === m.name) as { facts: MemberFactsSeen }).facts.listen, carried: primary.facts.carried })]))
  }

  const preflight: Step<HandoverParams> = {
    id: 'preflight',
    title: `Pre-flight: three etcd voters, Patroni and etcd installed, one primary every standby streams from`,
    hosts: allHosts,
    plan: () => [...allHosts.map((h) => ({ host: h, argv: ['sh', '-c', FIND_TOOLS, 'sh'], note: 'which of patroni, etcd, etcdctl, python3, patroni@.service are missing' })), ...(c.serviceAddress || c.notifyUrl ? keepalivedPlan(c) : []), ...nodes.map((n) => n.planned(factsCommand(n)))],
    check: async () => false,
    async run(_ctx, report) {
      const voters = votersOf(c, a)
      if (new Set(voters.map((v) => v.name)).size < 3) throw pgError('preflight_failed', `Automatic failover needs three etcd voters (a majority survives one failure); ${c.id} has ${voters.length}: ${voters.map((v) => v.name).join(', ')}. Add a member (or a third host) first. Nothing was changed.`, { check: 'voters' })
      const wrong = c.members.filter((m) => m.layout !== 'plain' || m.access !== 'sudo')
      if (wrong.length) throw pgError('preflight_failed', `This version hands over plain data dirs reached as an admin with sudo; ${wrong.map((m) => `${m.name} (${m.layout}, ${m.access})`).join(', ')} is not. Nothing was changed.`, { check: 'layout' })
      const tools = await Promise.all(allHosts.map(async (h) => ({ h, out: (await hosts.exec(h, ['sh', '-c', FIND_TOOLS, 'sh'], { timeoutMs: 15_000 })).stdout.trim() })))
      const extra = c.serviceAddress || c.notifyUrl ? await keepalivedProblems(hosts, c) : []
      const foreign = extra.filter((x) => x.out.includes('foreign '))
      if (foreign.length) throw pgError('preflight_failed', `${foreign.map((x) => x.h).join(', ')} already run${foreign.length > 1 ? '' : 's'} keepalived with a configuration ReplicaDesk did not write (/etc/keepalived/keepalived.conf). Move it aside (or take the service address off the cluster) first. Nothing was changed.`, { check: 'keepalived', hosts: foreign.map((x) => x.h) })
      const missing = allHosts.map((h) => ({ h, out: [tools.find((x) => x.h === h)?.out, extra.find((x) => x.h === h)?.out].filter(Boolean).join('\n') })).filter((x) => x.out)
      if (missing.length) throw pgError('preflight_failed', `${missing.map((x) => `${x.h}: ${x.out.split('\n').join(', ')}`).join('; ')}. Install them there with \`${installCommand(c)}\`, then start again. Nothing was changed.`, { check: 'packages', hosts: missing.map((x) => x.h) })
      const seen = await readAll()
      const primary = primaryOf(c, seen)
      const behind = c.members.filter((m) => m.name !== primary.name && !primary.facts.streaming.includes(m.name)).map((m) => m.name)
      if (behind.length) throw pgError('preflight_failed', `${behind.join(', ')} do not stream from ${primary.name}: rejoin them first (Patroni would re-copy a member it cannot follow). Nothing was changed.`, { check: 'streaming' })
      report({ message: `${primary.name} is the primary; ${c.members.length - 1} standbys stream; voters ${voters.map((v) => v.name).join(', ')}. ${meaningChanges(c).join(' ')}` })
    },
  }

  const etcd: Step<HandoverParams> = {
    id: 'etcd',
    title: `etcd on ${a.etcdHosts.join(', ')} (${ETCD_UNIT}, bound to each host's own address, TLS and client certificates)`,
    hosts: a.etcdHosts,
    plan: () =>
      votersOf(c, a).flatMap((v) => [
        { host: v.name, argv: ['sh', '-c', PUT_ROOT_FILE, 'sh', ETCD_UNIT_FILE, '644', 'root', ETCD_DATA_DIR], runAs: 'root', note: `the unit over stdin; data dir ${ETCD_DATA_DIR} owned by etcd` },
        { host: v.name, argv: ['chown', 'etcd:etcd', ETCD_DATA_DIR], runAs: 'root' },
        { host: v.name, argv: ['systemctl', 'enable', '--now', ETCD_UNIT], runAs: 'root' },
      ]),
    check: async () => (await readEtcdHealth(hosts, c, a.etcdHosts[0]!).catch(() => undefined))?.down.length === 0,
    async run(_ctx, report) {
      const voters = votersOf(c, a)
      await Promise.all(
        voters.map(async (v) => {
          await rootRun(v.name, ['sh', '-c', PUT_ROOT_FILE, 'sh', ETCD_UNIT_FILE, '644', 'root', ETCD_DATA_DIR], etcdUnit(a.scope, voters, v))
          await rootRun(v.name, ['chown', 'etcd:etcd', ETCD_DATA_DIR])
          await rootRun(v.name, ['systemctl', 'enable', '--now', ETCD_UNIT])
        }),
      )
      const health = await wait(30_000, async () => {
        const h = await readEtcdHealth(hosts, c, voters[0]!.name)
        return h.down.length === 0 ? h : undefined
      })
      if (!health) {
        const h = await readEtcdHealth(hosts, c, voters[0]!.name)
        throw pgError('cluster_state', `etcd is not healthy on ${h.down.map((d) => `${d.name} (${d.error})`).join(', ')} after 30 s. Look at \`sudo systemctl status ${ETCD_UNIT}\` there; resume when it runs.`, { hosts: h.down.map((d) => d.name) })
      }
      report({ message: `etcd healthy on ${health.up.join(', ')}` })
    },
  }

  const configStep: Step<HandoverParams> = {
    id: 'config',
    title: 'Patroni configuration, role-change callback and unit drop-in (restart on failure, after etcd) on every member (passwords filled in on the servers)',
    hosts: allHosts,
    plan: () => [
      ...nodes.map((n) => ({ host: n.host, argv: [PYTHON, '-c', FILL_PATRONI_CONFIG, c.replicationRole, n.name, patroniConfigFile(c, n.member)], runAs: 'root', note: 'the YAML over stdin; the replication password is read from ~postgres/.pgpass, the REST API password generated there (0600)' })),
      ...callbackPlan(c),
      ...dropInPlan(c),
      ...nodes.slice(0, 1).map((n) => n.planned(n.psql(['GRANT EXECUTE ON FUNCTION pg_ls_dir, pg_stat_file, pg_read_binary_file … TO <replication role>'], 'on the primary: pg_rewind as the replication role'))),
    ],
    async check() {
      const t = await templates()
      const marks = await Promise.all(nodes.map(async (n) => (await rootRun(n.host, ['sh', '-c', FIRST_LINE, 'sh', patroniConfigFile(c, n.member)])).stdout.trim()))
      return nodes.every((n, i) => marks[i] === markOf(t.get(n.name)!)) && (await callbacksWritten(hosts, c)) && (await dropInsWritten(hosts, c))
    },
    async run(_ctx, report) {
      const t = await templates()
      const primary = primaryOf(c, await readAll())
      await nodeOf(primary.name).sql([rewindGrantSql(c.replicationRole)])
      await Promise.all(nodes.map((n) => rootRun(n.host, [PYTHON, '-c', FILL_PATRONI_CONFIG, c.replicationRole, n.name, patroniConfigFile(c, n.member)], t.get(n.name)!)))
      const scripts = await writeCallbacks(hosts, c)
      const dropIns = await writeDropIns(hosts, c)
      report({ message: `written: ${[...nodes.map((n) => `${n.host}:${patroniConfigFile(c, n.member)}`), ...scripts, ...dropIns].join(', ')}; systemd reloaded` })
    },
  }

  return [preflight, tlsStep<HandoverParams>(hosts, c), etcd, configStep, ...patroniSteps(hosts, p, nodes, readAll)]
}

/** Patroni started on the primary, then on the standbys, then the whole cluster verified. */
function patroniSteps(hosts: HostExec, p: HandoverParams, nodes: PgNode[], readAll: () => Promise<Facts[]>): Step<HandoverParams>[] {
  const c = p.cluster
  const allHosts = [...new Set(nodes.map((n) => n.host))]
  const nodeOf = (name: string) => nodes.find((n) => n.name === name)!
  const resetSql = SETTING_KEYS.map((k) => `ALTER SYSTEM RESET ${k}`)
  const start = async (n: PgNode) => {
    await n.sql(resetSql)
    await hosts.exec(n.host, ['systemctl', 'enable', '--now', patroniUnit(c, n.member)], { sudo: true, timeoutMs: UNIT_TIMEOUT_MS })
  }
  const cluster = (name: string) => readClusterOn(hosts, c, name).catch(() => undefined)
  /** The leader's Patroni says `name` runs (as leader when `leader`). */
  const joined = async (leader: string, name: string) => {
    const seen = await cluster(leader)
    const m = seen?.members.find((x) => x.name === name)
    return seen?.leader === leader && m?.state === 'running' ? seen : undefined
  }
  const leaderNow = async () => {
    for (const n of nodes) {
      const seen = await cluster(n.name)
      if (seen?.leader) return seen.leader
    }
    return undefined
  }
  const commands = (n: PgNode) => [n.planned(n.psql(resetSql, 'ReplicaDesk\'s ALTER SYSTEM values out of postgresql.auto.conf (no reload: Patroni reloads with its own postgresql.conf)')), { host: n.host, argv: ['systemctl', 'enable', '--now', patroniUnit(c, n.member)], runAs: 'root' }]
  const failJoin = (n: PgNode, what: string) => pgError('cluster_state', `${n.name}'s Patroni on ${n.host} did not ${what} within ${p.joinTimeoutS} s. Look at \`sudo systemctl status ${patroniUnit(c, n.member)}\` there; resume when it runs.`, { host: n.host })

  const primary: Step<HandoverParams> = {
    id: 'primary',
    title: 'Patroni on the primary first: it adopts the running server (expected write downtime: none; a reload, no restart, under 0.5 s measured)',
    hosts: allHosts,
    plan: async () => {
      const seen = await readAll().catch(() => [])
      const w = seen.find((s) => answered(s) && s.facts.writable)
      return w ? commands(nodeOf(w.name)) : nodes.flatMap(commands)
    },
    check: async () => (await leaderNow()) !== undefined,
    async run(_ctx, report) {
      const seen = await readAll()
      const pr = primaryOf(c, seen)
      const n = nodeOf(pr.name)
      await start(n)
      const ok = await wait(p.joinTimeoutS * 1000, () => joined(n.name, n.name))
      if (!ok) throw failJoin(n, 'take the leader key')
      const after = await readFacts(n)
      if (answered(after) && after.facts.sysid !== pr.facts.sysid) throw pgError('cluster_state', `${n.name}'s system identifier changed (${pr.facts.sysid} → ${after.facts.sysid}): Patroni did not adopt the data dir. Stop it and look at its log.`, { host: n.host })
      report({ message: `${n.name} is Patroni's leader, system identifier ${pr.facts.sysid} kept` })
    },
  }

  // Patroni's slots made on the leader beforehand: a standby whose Patroni names a slot the leader
  // has not made yet retries only after wal_retrieve_retry_interval (5 s), and writes wait meanwhile.
  const slotsSql = (leader: string) => createSlotSql(nodes.filter((n) => n.name !== leader).map((n) => patroniSlot(n.member)), true)
  const replicas: Step<HandoverParams> = {
    id: 'replicas',
    title: 'Patroni on each standby: it keeps its data dir and follows the leader',
    hosts: allHosts,
    plan: () => [nodes[0]!.planned(nodes[0]!.psql([slotsSql(nodes[0]!.name)], 'on the leader: Patroni\'s slots for the standbys, before their Patroni asks for them')), ...nodes.flatMap(commands)],
    async check() {
      const leader = await leaderNow()
      if (!leader) return false
      const seen = await cluster(leader)
      return nodes.every((n) => seen?.members.some((m) => m.name === n.name && m.state === 'running'))
    },
    async run(_ctx, report) {
      const leader = await leaderNow()
      if (!leader) throw pgError('cluster_state', `No member of ${c.id} is Patroni's leader: run the hand-over's primary step again.`)
      const seen = await cluster(leader)
      await nodeOf(leader).sql([slotsSql(leader)])
      for (const n of nodes.filter((x) => x.name !== leader && !seen?.members.some((m) => m.name === x.name && m.state === 'running'))) {
        await start(n)
        if (!(await wait(p.joinTimeoutS * 1000, () => joined(leader, n.name)))) throw failJoin(n, `show as running behind ${leader}`)
        report({ message: `${n.name} follows ${leader} under Patroni` })
      }
    },
  }

  const verify: Step<HandoverParams> = {
    id: 'verify',
    title: 'Patroni reports one leader, every other member streaming from it; etcd led from another host',
    hosts: allHosts,
    plan: () => [
      ...nodes.map((n) => n.planned(factsCommand(n))),
      ...nodes.flatMap((n) => (localEtcdEndpoint(c, n.member) ? [{ host: n.host, argv: moveLeaderArgv(localEtcdEndpoint(c, n.member)!), runAs: 'postgres', note: `on the leader's host only: when its etcd leads, etcdctl move-leader to another voter (a failover of the primary then needs no etcd election; each call bounded to ${MOVE_CALL_TIMEOUT_S} s)` }] : [])),
    ],
    check: async () => false,
    async run(_ctx, report) {
      const sync = c.members.some((m) => m.sync)
      const done = await wait(p.joinTimeoutS * 1000, async () => {
        const leader = await leaderNow()
        const seen = leader ? await cluster(leader) : undefined
        const facts = leader ? await readFacts(nodeOf(leader)) : undefined
        if (!seen || !facts || !answered(facts)) return undefined
        const others = nodes.filter((n) => n.name !== leader)
        const ok = others.every((n) => facts.facts.streaming.includes(n.name) && seen.members.some((m) => m.name === n.name && m.state === 'running')) && (!sync || seen.members.some((m) => m.role === 'sync_standby'))
        return ok ? { leader, seen } : undefined
      })
      if (!done) throw pgError('not_streaming', `Patroni does not report ${c.id} whole within ${p.joinTimeoutS} s (one leader, every other member streaming${c.members.some((m) => m.sync) ? ', a synchronous standby' : ''}). Look at \`patronictl -c ${patroniConfigFile(c, nodes[0]!.member)} list\` on a member.`)
      const pending = done.seen.members.filter((m) => m.pendingRestart).map((m) => m.name)
      const leaderNode = nodeOf(done.leader!)
      const etcdMove = await moveEtcdLeaderOff(hosts, c, leaderNode)
      report({ message: `leader ${done.leader}; ${done.seen.members.filter((m) => m.name !== done.leader).map((m) => `${m.name} ${m.role} lag ${m.lagBytes ?? '?'} B`).join(', ')}${pending.length ? `; pending restart (settings Patroni puts on the command line): ${pending.join(', ')}` : ''}; etcd on ${leaderNode.host}: ${etcdMove}` })
    },
  }
  return [primary, replicas, ...addressHandoverStep<HandoverParams>(hosts, c, leaderNow), verify]
}

/** Moves etcd's leadership off the Patroni leader's host (no callback ran for the adopted primary); what happened, never a failure. */
async function moveEtcdLeaderOff(hosts: HostExec, c: PgCluster, leader: PgNode): Promise<string> {
  const endpoint = localEtcdEndpoint(c, leader.member)
  if (!endpoint) return 'no voter there'
  const r = await hosts.exec(leader.host, moveLeaderArgv(endpoint), { sudo: 'postgres', timeoutMs: (MOVE_CALL_TIMEOUT_S * 4 + 5) * 1000 }).catch((e: Error) => ({ stdout: `etcdctl move-leader not run (${e.message})` }))
  return r.stdout.trim()
}
