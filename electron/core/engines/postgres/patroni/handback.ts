// Hand a cluster back from Patroni (automatic failover off), as journaled steps whose checks read
// the servers. PostgreSQL is never restarted and keeps accepting writes:
//   preflight  one writable PostgreSQL; Patroni answers (or was stopped by an earlier attempt)
//   pause      PATCH /config {"pause": true}, then every member's Patroni says it is paused: a
//              paused Patroni leaves PostgreSQL running when it stops (Patroni 3.0.2, ha.py shutdown)
//   address    with a service address, while Patroni is paused (its leader stays): keepalived
//              stopped and disabled, its config removed, the address back in manual mode on the
//              primary (keepalived-steps.ts)
//   stop       Patroni stopped and disabled on every member, each checked paused just before;
//              PostgreSQL still answers afterwards
//   settings   ReplicaDesk's own configuration back, with a reload each: the primary first
//              (postgresql.conf back from Patroni's postgresql.base.conf, ReplicaDesk's values in
//              postgresql.auto.conf, its rd_* slots for the standbys), then each standby in turn
//              (the same, primary_conninfo and the rd_* slot; the next only once it streams again,
//              so a quorum keeps confirming writes); Patroni's slots dropped once free
//   etcd       Patroni's keys of this scope deleted, etcd stopped and disabled on every voter
//              (its data dir and certificates stay: a later hand-over reuses them)
//   verify     one primary, every standby streaming from it under ReplicaDesk's names
import { z } from 'zod'
import { AppError } from '../../../../../shared/errors'
import type { Step } from '../../../operations'
import type { HostExec } from '../../host-exec'
import { pgError } from '../errors'
import { pgCluster, slotName, type PgCluster } from '../model'
import { PgNode } from '../node'
import { pointsAt, repointStatements } from '../roles'
import { wantedValues, SETTING_KEYS } from '../settings/values'
import { alterSystem, createSlotSql, dropSlotWhenFree } from '../statements'
import { lit } from '../sql'
import { automaticOf, ETCD_UNIT, patroniSlot, patroniUnit, votersOf } from './config'
import { answered, readFacts, type Facts } from './read'
import { primaryOf } from './handover'
import { HTTP_GET, PYTHON } from './scripts'
import { etcdctlArgv, httpGetOn, restCall, restCallArgv, restUrl } from './status'
import { wait } from './wait'
import { addressHandbackStep } from './keepalived-steps'
import { dropInRemovalPlan, dropInsGone, removeDropIns } from './unit-dropin'

export const handbackParams = z.object({
  cluster: pgCluster,
  /** How long Patroni may take to report paused, and a standby to stream again. */
  waitS: z.number().int().min(5).max(600).default(30),
  /** Leave etcd running on its voters (the user keeps it, e.g. for another cluster); this cluster's keys go all the same. */
  keepEtcd: z.boolean().default(false),
})
export type HandbackParams = z.output<typeof handbackParams>

const UNIT_TIMEOUT_MS = 30_000
const ANY_EXIT = Array.from({ length: 256 }, (_, i) => i)

/**
 * As postgres: postgresql.conf back from postgresql.base.conf when Patroni's file is in place
 * (prints `restored`), and Patroni's leftovers in the data dir removed. Args: DATA_DIR
 */
export const RESTORE_CONF = String.raw`set -eu
d=$1
if [ -f "$d/postgresql.base.conf" ] && head -n 3 -- "$d/postgresql.conf" | grep -q 'overwritten by Patroni'; then
  mv -f -- "$d/postgresql.base.conf" "$d/postgresql.conf"
  echo restored
fi
rm -f -- "$d/patroni.dynamic.json" "$d/postgresql.base.conf.backup" "$d/pg_hba.conf.backup" "$d/pg_ident.conf.backup"`

/** Whether a member's running postgresql.conf is still Patroni's (read through SQL, as postgres). */
const OWN_STATE_SQL = `SELECT json_build_object(
  'patroniConf', position('overwritten by Patroni' in left(pg_read_file(current_setting('config_file')), 120)) > 0,
  'conninfo', current_setting('primary_conninfo'),
  'slot', current_setting('primary_slot_name'),
  'syncNames', current_setting('synchronous_standby_names'),
  'inRecovery', pg_is_in_recovery())`
const ownState = z.object({ patroniConf: z.boolean(), conninfo: z.string(), slot: z.string(), syncNames: z.string(), inRecovery: z.boolean() })

export function buildHandback(hosts: HostExec, p: HandbackParams): Step<HandbackParams>[] {
  const c = p.cluster
  const nodes = c.members.map((m) => new PgNode(hosts, m, c.major))
  const nodeOf = (name: string) => nodes.find((n) => n.name === name)!
  const allHosts = [...new Set(nodes.map((n) => n.host))]
  const readAll = () => Promise.all(nodes.map(readFacts))
  const root = (host: string, argv: string[]) => hosts.exec(host, argv, { sudo: true, timeoutMs: UNIT_TIMEOUT_MS, okExitCodes: ANY_EXIT })
  const active = async (host: string, unit: string) => (await root(host, ['systemctl', 'is-active', '--quiet', unit])).exitCode === 0
  const restPort = automaticOf(c).restApiPort
  /** A member's own Patroni says it is paused (GET /patroni; no answer: undefined). */
  const pausedOn = async (n: PgNode) => {
    const r = await httpGetOn(hosts, n.host, restUrl(n.member.address, restPort, '/patroni'), 3).catch(() => undefined)
    if (!r || r.status >= 500) return undefined
    try {
      return (JSON.parse(r.body) as { pause?: boolean }).pause === true
    } catch {
      return undefined
    }
  }
  const notStopped = async () => (await Promise.all(nodes.map(async (n) => ((await active(n.host, patroniUnit(c, n.member))) ? n : undefined)))).filter((n): n is PgNode => n !== undefined)

  const preflight: Step<HandbackParams> = {
    id: 'preflight',
    title: 'Pre-flight: one writable PostgreSQL, every member answers',
    hosts: allHosts,
    plan: () => nodes.map((n) => n.planned(n.psql(['SELECT json_build_object(…)'], 'role, streaming standbys, listen_addresses'))),
    check: async () => false,
    async run(_ctx, report) {
      const primary = primaryOf(c, await readAll())
      report({ message: `${primary.name} is the primary; ${primary.facts.streaming.length} standbys stream from it` })
    },
  }

  const pause: Step<HandbackParams> = {
    id: 'pause',
    title: 'Pause Patroni (PATCH /config {"pause": true}): from now on it changes no role and leaves PostgreSQL running when it stops',
    hosts: allHosts,
    plan: () => [
      { host: nodes[0]!.host, argv: restCallArgv(c, nodes[0]!.name, 'PATCH', '/config', 10).argv, runAs: 'postgres', note: 'body {"pause": true} over stdin; the REST API password is read on the server' },
      ...nodes.map((n) => ({ host: n.host, argv: [PYTHON, '-c', HTTP_GET, restUrl(n.member.address, restPort, '/patroni'), '3'], note: 'until its Patroni says paused' })),
    ],
    async check() {
      const running = await notStopped()
      return (await Promise.all(running.map(pausedOn))).every((x) => x === true)
    },
    async run(_ctx, report) {
      const running = await notStopped()
      let sent = false
      for (const n of running) {
        const r = await restCall(hosts, c, n.name, 'PATCH', '/config', { pause: true }, 10).catch(() => undefined)
        if (r && r.status === 200) {
          sent = true
          break
        }
      }
      if (running.length && !sent) throw new AppError('command_failed', `No member's Patroni took the pause (PATCH /config): ${running.map((n) => n.host).join(', ')}. Is Patroni running there? Nothing was changed.`)
      const ok = await wait(p.waitS * 1000, async () => ((await Promise.all(running.map(pausedOn))).every((x) => x === true) ? true : undefined), 500)
      if (!ok) throw pgError('cluster_state', `Not every member's Patroni reports paused within ${p.waitS} s. Look at \`patronictl list\` on a member; resume when they do.`)
      report({ message: `paused: ${running.map((n) => n.name).join(', ') || 'Patroni was stopped already'}` })
    },
  }

  const stop: Step<HandbackParams> = {
    id: 'stop',
    title: 'Stop and disable Patroni on every member (paused: PostgreSQL keeps running), then remove ReplicaDesk\'s drop-in on its unit',
    hosts: allHosts,
    plan: () => [...nodes.map((n) => ({ host: n.host, argv: ['systemctl', 'disable', '--now', patroniUnit(c, n.member)], runAs: 'root', note: 'only once its Patroni reports paused' })), ...dropInRemovalPlan(c)],
    check: async () => (await notStopped()).length === 0 && (await dropInsGone(hosts, c)),
    async run(_ctx, report) {
      for (const n of await notStopped()) {
        if ((await pausedOn(n)) !== true) throw pgError('cluster_state', `${n.name}'s Patroni on ${n.host} does not report paused: stopping it now would stop PostgreSQL. Run the pause step again.`, { host: n.host })
        await hosts.exec(n.host, ['systemctl', 'disable', '--now', patroniUnit(c, n.member)], { sudo: true, timeoutMs: UNIT_TIMEOUT_MS })
      }
      const seen = await readAll()
      const down = seen.filter((s) => !answered(s))
      if (down.length) throw pgError('cluster_state', `PostgreSQL stopped with Patroni on ${down.map((d) => `${d.name} (${d.host})`).join(', ')}. Start it there (pg_ctl start), then resume.`)
      await removeDropIns(hosts, c)
      report({ message: `Patroni stopped on ${nodes.map((n) => n.host).join(', ')} (its unit's drop-in removed); PostgreSQL runs on every member` })
    },
  }

  const primaryHost = async () => nodeOf(primaryOf(c, await readAll()).name).host
  return [preflight, pause, ...addressHandbackStep<HandbackParams>(hosts, c, primaryHost), stop, settingsStep(p, nodes, nodeOf, readAll), etcdStep(hosts, c, root, active, p.keepEtcd), verifyStep(p, nodes, readAll)]
}

/** 't' once a walsender streams through SLOT (the standby reconnected with ReplicaDesk's settings). */
const streamingThroughSql = (slot: string) => `SELECT EXISTS (SELECT 1 FROM pg_replication_slots s JOIN pg_stat_replication r ON r.pid = s.active_pid WHERE s.slot_name = ${lit(slot)} AND r.state = 'streaming')`

/** ReplicaDesk's values for a member, as ALTER SYSTEM statements (listen_addresses as it runs now, when ReplicaDesk has no value). */
function ownSettings(c: PgCluster, name: string, listen: string): string[] {
  const want = wantedValues(c, name)
  return SETTING_KEYS.map((k) => [k, want[k] ?? (k === 'listen_addresses' ? listen : undefined)] as const)
    .filter((e): e is readonly [(typeof SETTING_KEYS)[number], string] => e[1] !== undefined)
    .map(([k, v]) => alterSystem(k, v))
}

function settingsStep(p: HandbackParams, nodes: PgNode[], nodeOf: (name: string) => PgNode, readAll: () => Promise<Facts[]>): Step<HandbackParams> {
  const c = p.cluster
  const restore = (n: PgNode) => n.run(n.pg(['sh', '-c', RESTORE_CONF, 'sh', n.member.dataDir]))
  const others = (leader: string) => nodes.filter((n) => n.name !== leader)
  const own = (n: PgNode) => n.json(OWN_STATE_SQL, ownState)
  return {
    id: 'settings',
    title: 'ReplicaDesk\'s own configuration back on every member, with a reload (the primary first, then each standby once the previous streams again)',
    hosts: [...new Set(nodes.map((n) => n.host))],
    plan: () =>
      nodes.flatMap((n) => [
        n.planned(n.psql([...ownSettings(c, n.name, '<running listen_addresses>'), 'ALTER SYSTEM SET primary_conninfo / primary_slot_name (standbys; RESET on the primary)', createSlotSql(others(n.name).map((o) => slotName(o.name)), true)], 'ReplicaDesk\'s values in postgresql.auto.conf; rd_* slots')),
        n.planned(n.pg(['sh', '-c', RESTORE_CONF, 'sh', n.member.dataDir], 'postgresql.conf back from Patroni\'s postgresql.base.conf')),
        n.planned(n.psql(['SELECT pg_reload_conf()'])),
      ]),
    async check() {
      const primary = primaryOf(c, await readAll())
      const states = await Promise.all(nodes.map(async (n) => ({ n, s: await own(n) })))
      return states.every(({ n, s }) =>
        !s.patroniConf && (n.name === primary.name ? !s.inRecovery && s.syncNames === wantedValues(c, n.name).synchronous_standby_names : s.inRecovery && s.slot === slotName(n.name) && pointsAt(s.conninfo, nodeOf(primary.name).member)),
      )
    },
    async run(_ctx, report) {
      const seen = await readAll()
      const primary = primaryOf(c, seen)
      const listenOf = (name: string) => (seen.find((s) => s.name === name && answered(s)) as { facts: { listen: string } }).facts.listen
      const P = nodeOf(primary.name)
      await P.sql([...ownSettings(c, P.name, listenOf(P.name)), 'ALTER SYSTEM RESET primary_conninfo', 'ALTER SYSTEM RESET primary_slot_name', createSlotSql(others(P.name).map((o) => slotName(o.name)), true)])
      await restore(P)
      await P.sql(['SELECT pg_reload_conf()'])
      const done = [P.name]
      for (const n of others(P.name)) {
        await n.sql([...ownSettings(c, n.name, listenOf(n.name)), createSlotSql(others(n.name).map((o) => slotName(o.name)), false)])
        await restore(n)
        await n.sql(repointStatements(c, n.member, P.member))
        // Streaming again through its own rd_* slot: the old connection (Patroni's slot) may still show for a moment.
        const back = await wait(p.waitS * 1000, async () => ((await P.sql([streamingThroughSql(slotName(n.name))])).trim() === 't' ? true : undefined), 50)
        if (!back) throw pgError('not_streaming', `${n.name} does not stream from ${P.name} within ${p.waitS} s after getting ReplicaDesk's settings back. Look at its log on ${n.host}; resume when it streams.`, { host: n.host })
        done.push(n.name)
      }
      for (const n of others(P.name)) await dropSlotWhenFree(P, patroniSlot(n.member))
      for (const n of nodes) await n.sql([`SELECT count(pg_drop_replication_slot(slot_name)) FROM pg_replication_slots WHERE NOT active AND slot_name = ANY (ARRAY[${nodes.map((x) => lit(patroniSlot(x.member))).join(', ')}]::text[])`])
      report({ message: `ReplicaDesk's configuration back on ${done.join(', ')} (no restart); Patroni's slots dropped` })
    },
  }
}

function etcdStep(hosts: HostExec, c: PgCluster, root: (host: string, argv: string[]) => ReturnType<HostExec['exec']>, active: (host: string, unit: string) => Promise<boolean>, keep: boolean): Step<HandbackParams> {
  const a = automaticOf(c)
  const voters = votersOf(c, a)
  const prefix = `/service/${a.scope}/`
  const from = c.members[0]!.host
  return {
    id: 'etcd',
    title: keep ? `Patroni's keys of ${a.scope} deleted; etcd kept running on ${a.etcdHosts.join(', ')}` : `Patroni's keys of ${a.scope} deleted; etcd stopped and disabled on ${a.etcdHosts.join(', ')} (data dir and certificates stay for a later hand-over)`,
    hosts: a.etcdHosts,
    plan: () => [{ host: from, argv: etcdctlArgv(c, 5, 'del', '--prefix', prefix), runAs: 'postgres' }, ...(keep ? [] : voters.map((v) => ({ host: v.name, argv: ['systemctl', 'disable', '--now', ETCD_UNIT], runAs: 'root' })))],
    // Kept: deleting the keys again is harmless, so the step runs on a resume too.
    check: async () => !keep && (await Promise.all(voters.map((v) => active(v.name, ETCD_UNIT)))).every((x) => !x),
    async run(_ctx, report) {
      // Without this a later hand-over would find the old cluster (paused, its initialize key) in etcd.
      const del = await hosts.exec(from, etcdctlArgv(c, 5, 'del', '--prefix', prefix), { sudo: 'postgres', timeoutMs: 20_000, okExitCodes: ANY_EXIT })
      if (del.exitCode !== 0) throw new AppError('command_failed', `${from}: could not delete Patroni's keys (${prefix}) from etcd: ${del.stderr.trim()}. Is etcd running on a majority of ${a.etcdHosts.join(', ')}? Resume when it is.`, { host: from })
      if (keep) return report({ message: `${del.stdout.trim() || '0'} keys deleted; etcd kept running on ${a.etcdHosts.join(', ')}` })
      await Promise.all(voters.map((v) => root(v.name, ['systemctl', 'disable', '--now', ETCD_UNIT])))
      const still = (await Promise.all(voters.map(async (v) => ((await active(v.name, ETCD_UNIT)) ? v.name : '')))).filter(Boolean)
      if (still.length) throw pgError('cluster_state', `etcd still runs on ${still.join(', ')}. Look at \`sudo systemctl status ${ETCD_UNIT}\` there; resume when it stopped.`)
      report({ message: `${del.stdout.trim() || '0'} keys deleted; etcd stopped on ${a.etcdHosts.join(', ')}` })
    },
  }
}

function verifyStep(p: HandbackParams, nodes: PgNode[], readAll: () => Promise<Facts[]>): Step<HandbackParams> {
  const c = p.cluster
  return {
    id: 'verify',
    title: 'One primary, every standby streaming from it under ReplicaDesk\'s settings',
    hosts: [...new Set(nodes.map((n) => n.host))],
    plan: () => nodes.map((n) => n.planned(n.psql(['SELECT … pg_stat_replication, pending_restart'], 'streaming standbys; settings waiting for a restart'))),
    check: async () => false,
    async run(_ctx, report) {
      const primary = primaryOf(c, await readAll())
      const missing = nodes.filter((n) => n.name !== primary.name && !primary.facts.streaming.includes(n.name)).map((n) => n.name)
      if (missing.length) throw pgError('not_streaming', `${missing.join(', ')} do not stream from ${primary.name}. Rejoin them (replicadesk rejoin ${c.id} MEMBER).`)
      const pending = await Promise.all(nodes.map(async (n) => ({ n: n.name, keys: (await n.sql(['SELECT string_agg(name, \',\') FROM pg_settings WHERE pending_restart'])).trim() })))
      const waiting = pending.filter((x) => x.keys)
      report({ message: `${primary.name} is the primary; ${primary.facts.streaming.join(', ')} stream from it${waiting.length ? `; running with Patroni's start options until their next restart, then with ReplicaDesk's: ${waiting.map((x) => `${x.n} (${x.keys})`).join(', ')}` : ''}` })
    },
  }
}
