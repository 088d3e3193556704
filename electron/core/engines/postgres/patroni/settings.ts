// Redundancy settings of a cluster handed over to Patroni: PATCH /config (its dynamic
// configuration), never ReplicaDesk's own ALTER SYSTEM (Patroni owns postgresql.conf then).
// Journaled steps whose checks read Patroni and the members:
//   preflight  Patroni answers with its configuration (loop_wait: how long members take)
//   patch      PATCH /config on `via`'s REST API (its password is there); done when GET /config
//              carries the patch already
//   verify     within 3 × loop_wait (+ the reads' own time): GET /config carries the patch, every
//              running member SHOWs the parameters, Patroni's synchronous standbys match the mode
//   notify     (a new notification URL) each member's role-change callback script rewritten; no
//              PATCH and no restart: Patroni runs the script afresh at each role change
// patch and verify only when the body carries something.
import { z } from 'zod'
import { AppError } from '../../../../../shared/errors'
import type { Step } from '../../../operations'
import type { HostExec } from '../../host-exec'
import { pgError } from '../errors'
import { memberName, pgCluster, type PgCluster } from '../model'
import { PgNode } from '../node'
import { lit } from '../sql'
import { automaticOf, TIMINGS } from './config'
import { HTTP_GET, PYTHON } from './scripts'
import { carries, SIZE_PARAMETERS, type ConfigPatch } from './settings-patch'
import { httpGetOn, readClusterOn, restCall, restCallArgv, restUrl } from './status'
import { wait } from './wait'
import { notifyStep } from './callback-steps'
import type { PatroniTimings } from './failover-time'

const configPatch = z.object({
  synchronous_mode: z.boolean().optional(),
  synchronous_mode_strict: z.boolean().optional(),
  synchronous_node_count: z.number().int().min(1).optional(),
  maximum_lag_on_failover: z.number().int().min(0).optional(),
  ttl: z.number().int().min(1).optional(),
  loop_wait: z.number().int().min(1).optional(),
  retry_timeout: z.number().int().min(1).optional(),
  postgresql: z.object({ parameters: z.record(z.string(), z.string()) }).optional(),
}).strict()

export const patroniSettingsParams = z.object({
  /** The record with the new settings (recorded once the change succeeded). */
  cluster: pgCluster,
  previous: pgCluster,
  /** The member whose REST API takes the PATCH (Patroni's leader when planned). */
  via: memberName,
  body: configPatch,
  /** ttl, loop_wait and retry_timeout Patroni ran with when planned (the plan says the expected failover time after). */
  timings: z.object({ ttl: z.number(), loop_wait: z.number(), retry_timeout: z.number() }).optional(),
})
export type PatroniSettingsParams = z.output<typeof patroniSettingsParams>

/** One member's check of the parameters: each name → whether it runs with the wanted value. */
export function showSql(parameters: Readonly<Record<string, string>>): string {
  const checks = Object.entries(parameters).map(([name, v]) =>
    SIZE_PARAMETERS.includes(name) ? `${lit(name)}, pg_size_bytes(current_setting(${lit(name)})) = pg_size_bytes(${lit(v)})` : `${lit(name)}, current_setting(${lit(name)}) = ${lit(v)}`)
  return `SELECT json_build_object(${checks.join(', ')})`
}

/** ttl, loop_wait and retry_timeout from Patroni's dynamic configuration (GET /config on `via`); ReplicaDesk's defaults for what it does not say. */
export async function readTimings(hosts: HostExec, c: PgCluster, via: string): Promise<PatroniTimings> {
  const now = (await restGetJson(hosts, c, via, '/config')) ?? {}
  const num = (k: keyof PatroniTimings) => (typeof now[k] === 'number' ? (now[k] as number) : TIMINGS[k])
  return { ttl: num('ttl'), loop_wait: num('loop_wait'), retry_timeout: num('retry_timeout') }
}

/** GET on member `name`'s REST API, parsed; undefined when it does not answer 200. */
export async function restGetJson(hosts: HostExec, c: PgCluster, name: string, path: string): Promise<Record<string, unknown> | undefined> {
  const m = c.members.find((x) => x.name === name)!
  const r = await httpGetOn(hosts, m.host, restUrl(m.address, automaticOf(c).restApiPort, path), 3).catch(() => undefined)
  if (!r || r.status !== 200) return undefined
  try {
    return JSON.parse(r.body) as Record<string, unknown>
  } catch {
    return undefined
  }
}

/** Each member's nosync tag as its Patroni reports it (GET /patroni); a member that does not answer is left out. */
export async function readNoSyncTags(hosts: HostExec, c: PgCluster): Promise<Record<string, boolean>> {
  const out: Record<string, boolean> = {}
  for (const m of c.members) {
    const s = await restGetJson(hosts, c, m.name, '/patroni')
    if (s) out[m.name] = (s.tags as { nosync?: boolean } | undefined)?.nosync === true
  }
  return out
}

export function buildPatroniSettings(hosts: HostExec, p: PatroniSettingsParams): Step<PatroniSettingsParams>[] {
  const c = p.cluster
  const body: ConfigPatch = p.body
  const allHosts = [...new Set(c.members.map((m) => m.host))]
  const via = c.members.find((m) => m.name === p.via)!
  /** Patroni's dynamic configuration, asked of `via` first, then the others. */
  const config = async () => {
    for (const name of [p.via, ...c.members.map((m) => m.name)]) {
      const s = await restGetJson(hosts, c, name, '/config')
      if (s) return s
    }
    throw new AppError('command_failed', `No member's Patroni answers GET /config for ${c.id}.`)
  }
  const getConfig = (note: string) => ({ host: via.host, argv: [PYTHON, '-c', HTTP_GET, restUrl(via.address, automaticOf(c).restApiPort, '/config'), '3'], note })
  let loopWait: number = TIMINGS.loop_wait

  const preflight: Step<PatroniSettingsParams> = {
    id: 'preflight',
    title: 'Pre-flight: Patroni answers with its dynamic configuration',
    hosts: allHosts,
    plan: () => [getConfig('Patroni\'s configuration now (loop_wait: how soon members apply a change)')],
    check: async () => false,
    async run(_ctx, report) {
      const now = await config()
      loopWait = typeof now.loop_wait === 'number' ? now.loop_wait : loopWait
      report({ message: `loop_wait ${loopWait} s; ${carries(now, body) ? 'carries the change already' : 'to change'}` })
    },
  }

  const patch: Step<PatroniSettingsParams> = {
    id: 'patch',
    title: `PATCH /config ${JSON.stringify(body)} to ${p.via}'s REST API`,
    hosts: [via.host],
    plan: () => [{ host: via.host, argv: restCallArgv(c, p.via, 'PATCH', '/config', 15).argv, runAs: 'postgres', note: `body ${JSON.stringify(body)} over stdin; the REST API password is read on the server` }],
    check: async () => carries(await config(), body),
    async run(_ctx, report) {
      const r = await restCall(hosts, c, p.via, 'PATCH', '/config', body, 15)
      if (r.status !== 200) throw pgError('cluster_state', `Patroni refused the configuration change (${r.status}): ${r.body.trim()}`, { host: via.host })
      report({ message: 'Patroni stored the change in etcd' })
    },
  }

  const verify: Step<PatroniSettingsParams> = {
    id: 'verify',
    title: 'Every running member applies it (SHOW), Patroni\'s configuration and synchronous standbys match',
    hosts: allHosts,
    plan: () => [getConfig('the change read back'), ...c.members.map((m) => { const n = new PgNode(hosts, m, c.major); return n.planned(n.psql(['SELECT current_setting(…) = …'], 'the parameters this member runs with')) })],
    check: async () => false,
    async run(_ctx, report) {
      const t0 = Date.now()
      const limitMs = (3 * loopWait + 5) * 1000
      let last = ''
      const done = await wait(limitMs, async () => {
        const [now, s] = [await config(), await readClusterOn(hosts, c, p.via).catch(() => readClusterOn(hosts, c, c.members.find((m) => m.name !== p.via)!.name))]
        if (!carries(now, body)) return (last = 'GET /config does not carry it yet'), undefined
        const lagging = await membersNotShowing(hosts, c, s.members.filter((m) => m.state === 'running').map((m) => m.name), body.postgresql?.parameters ?? {})
        if (lagging.length) return (last = `not applied yet on ${lagging.join(', ')}`), undefined
        const standbys = s.members.filter((m) => m.role === 'sync_standby').length
        const mode = now.synchronous_mode === true
        if (!mode && standbys) return (last = `Patroni still names ${standbys} synchronous standby(s)`), undefined
        const eligible = c.members.filter((m) => m.sync && m.name !== s.leader && s.members.some((x) => x.name === m.name && x.state === 'running')).length
        const want = mode ? Math.min(typeof now.synchronous_node_count === 'number' ? now.synchronous_node_count : 1, eligible) : 0
        if (mode && standbys !== want) return (last = `Patroni names ${standbys} synchronous standby(s), not ${want} yet`), undefined
        return s
      }, 250)
      if (!done) throw pgError('cluster_state', `The change is not applied on every member within ${limitMs / 1000} s (3 × loop_wait + 5 s): ${last}. Look at \`patronictl show-config\` and the members' logs.`)
      report({ message: `applied on ${done.members.filter((m) => m.state === 'running').map((m) => m.name).join(', ')} ${((Date.now() - t0) / 1000).toFixed(1)} s after the PATCH was stored; synchronous standbys: ${done.members.filter((m) => m.role === 'sync_standby').map((m) => m.name).join(', ') || 'none'}` })
    },
  }
  const notify = p.cluster.notifyUrl !== p.previous.notifyUrl ? [notifyStep<PatroniSettingsParams>(hosts, c)] : []
  return [preflight, ...(Object.keys(body).length ? [patch, verify] : []), ...notify]
}

/** The members (of `names`) that do not SHOW every parameter with its wanted value, or do not answer. */
async function membersNotShowing(hosts: HostExec, c: PgCluster, names: string[], parameters: Readonly<Record<string, string>>): Promise<string[]> {
  if (!Object.keys(parameters).length) return []
  const sql = showSql(parameters)
  const out: string[] = []
  for (const name of names) {
    const n = new PgNode(hosts, c.members.find((m) => m.name === name)!, c.major)
    const ok = await n.json(sql, z.record(z.string(), z.boolean())).catch(() => undefined)
    if (!ok || Object.values(ok).some((v) => !v)) out.push(name)
  }
  return out
}
