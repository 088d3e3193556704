// The service address handed to keepalived and taken back (keepalived.ts says what it runs).
//   hand-over `address`  keepalived.conf on every member's host; keepalived started and enabled
//                        on the standbys' hosts first (they stay in FAULT: their Patroni is not
//                        leader), then on the leader's, whose keepalived takes the address over
//                        from ReplicaDesk's manual holder: it drops it when it starts and takes it
//                        back as VRRP master ~0.8 s later (3 adverts of 200 ms), announced.
//   hand-back `address`  (Patroni paused: the leader stays) keepalived stopped and disabled on the
//                        standbys' hosts, then on the primary's, the address put back there at once
//                        by ReplicaDesk's manual-mode code, keepalived's config removed.
import { AppError } from '../../../../../shared/errors'
import type { Step, StepCommand } from '../../../operations'
import type { HostExec } from '../../host-exec'
import { pgError } from '../errors'
import type { PgCluster } from '../model'
import { clusterAddress } from '../service-address'
import { markOf, TEMPLATE_MARK } from './config'
import { FIND_KEEPALIVED, KEEPALIVED_CONF, KEEPALIVED_UNIT, keepalivedConfig, keepalivedRefusal } from './keepalived'
import { FIRST_LINE, PUT_ROOT_FILE } from './scripts'
import { wait } from './wait'

const UNIT_TIMEOUT_MS = 30_000
const ANY_EXIT = Array.from({ length: 256 }, (_, i) => i)
/** Removes FILE when its first line carries MARK (never a config ReplicaDesk did not write). Args: FILE MARK */
const REMOVE_OURS = String.raw`[ -f "$1" ] && head -n 1 -- "$1" | grep -qF -- "$2" && rm -f -- "$1"; exit 0`

const BASE_PACKAGES = ['patroni', 'etcd-server', 'etcd-client', 'openssl']

/** The packages a hand-over needs: curl for the callback and the check, keepalived for a service address. */
export function installCommand(c: PgCluster): string {
  const extra = [...(c.serviceAddress || c.notifyUrl ? ['curl'] : []), ...(c.serviceAddress ? ['keepalived'] : [])]
  return `sudo -n apt-get install -y ${[...BASE_PACKAGES, ...extra].join(' ')}`
}

const hostsOf = (c: PgCluster) => [...new Set(c.members.map((m) => m.host))]
const findArgv = (c: PgCluster) => ['sh', '-c', FIND_KEEPALIVED, 'sh', c.serviceAddress || c.notifyUrl ? '1' : '0', c.serviceAddress ? '1' : '0', KEEPALIVED_CONF, TEMPLATE_MARK]

/** The pre-flight's commands and its findings per host (`missing curl`, `foreign /etc/keepalived/keepalived.conf`…). */
export const keepalivedPlan = (c: PgCluster): StepCommand[] => hostsOf(c).map((h) => ({ host: h, argv: findArgv(c), runAs: 'root', note: 'curl and keepalived there; no keepalived config of someone else' }))
export async function keepalivedProblems(hosts: HostExec, c: PgCluster): Promise<{ h: string; out: string }[]> {
  const refusal = keepalivedRefusal(c)
  if (refusal) throw pgError('preflight_failed', `${refusal} Nothing was changed.`, { check: 'serviceAddress' })
  const seen = await Promise.all(hostsOf(c).map(async (h) => ({ h, out: (await hosts.exec(h, findArgv(c), { sudo: true, timeoutMs: 15_000 })).stdout.trim() })))
  return seen.filter((x) => x.out)
}

/** The hand-over's `address` step (none when the cluster has no service address). */
export function addressHandoverStep<P>(hosts: HostExec, c: PgCluster, leaderNow: () => Promise<string | undefined>): Step<P>[] {
  const a = clusterAddress(hosts, c)
  if (!a) return []
  const all = hostsOf(c)
  const root = (host: string, argv: string[], stdin?: string) => hosts.exec(host, argv, { sudo: true, timeoutMs: UNIT_TIMEOUT_MS, okExitCodes: ANY_EXIT, ...(stdin !== undefined && { stdin }) })
  const active = async (host: string) => (await root(host, ['systemctl', 'is-active', '--quiet', KEEPALIVED_UNIT])).exitCode === 0
  const put = ['sh', '-c', PUT_ROOT_FILE, 'sh', KEEPALIVED_CONF, '600', 'root']
  const leaderHost = async () => {
    const leader = await leaderNow()
    const host = c.members.find((m) => m.name === leader)?.host
    if (!host) throw pgError('cluster_state', `No member of ${c.id} is Patroni's leader: keepalived would give the address to nobody. Run the hand-over's replicas step again.`)
    return host
  }
  const written = async () => (await Promise.all(all.map(async (h) => (await root(h, ['sh', '-c', FIRST_LINE, 'sh', KEEPALIVED_CONF])).stdout.trim() === markOf(keepalivedConfig(c, h))))).every(Boolean)
  return [
    {
      id: 'address',
      title: `Service address ${a.address} to keepalived: it follows Patroni's leader (GET /primary) with nobody watching`,
      hosts: all,
      plan: () => [
        ...all.map((h) => ({ host: h, argv: put, runAs: 'root', note: `${KEEPALIVED_CONF} (0600 root) over stdin:\n${keepalivedConfig(c, h)}` })),
        ...all.map((h) => ({ host: h, argv: ['systemctl', 'enable', '--now', KEEPALIVED_UNIT], runAs: 'root', note: 'the standbys\' hosts first, the leader\'s last: its keepalived drops the manually held address and takes it back as VRRP master (~0.8 s)' })),
      ],
      async check() {
        const leader = await leaderHost()
        return (await written()) && (await Promise.all(all.map(active))).every(Boolean) && (await a.onlyOn(leader))
      },
      async run(_ctx, report) {
        const leader = await leaderHost()
        await Promise.all(all.map((h) => root(h, put, keepalivedConfig(c, h)).then((r) => {
          if (r.exitCode !== 0) throw new AppError('command_failed', `${h}: could not write ${KEEPALIVED_CONF} (exit ${r.exitCode}): ${r.stderr.trim()}`, { host: h })
        })))
        const start = async (h: string) => {
          const r = await root(h, ['systemctl', 'enable', '--now', KEEPALIVED_UNIT])
          if (r.exitCode !== 0) throw new AppError('command_failed', `${h}: keepalived did not start (exit ${r.exitCode}): ${r.stderr.trim()}. Look at \`sudo systemctl status ${KEEPALIVED_UNIT}\` there; resume when it runs.`, { host: h })
        }
        await Promise.all(all.filter((h) => h !== leader).map(start))
        // A stale manual holder other than the leader gives it up now (the leader keeps it until its keepalived starts).
        const stale = (await a.holders()).filter((x) => x.host !== leader && x.state === 'holds').map((x) => x.host)
        for (const h of stale) await a.releaseFrom(h, true)
        const t0 = performance.now()
        await start(leader)
        const took = await wait(10_000, async () => ((await a.onlyOn(leader)) ? performance.now() - t0 : undefined), 50)
        if (took === undefined) throw pgError('cluster_state', `keepalived on ${leader} did not take ${a.address} within 10 s. Look at \`sudo systemctl status ${KEEPALIVED_UNIT}\` and whether its Patroni answers GET /primary there; resume when it holds it.`, { host: leader })
        report({ message: `${KEEPALIVED_CONF} written on ${all.join(', ')}; keepalived runs on every host; ${a.address} held by keepalived on ${leader} ${took.toFixed(0)} ms after its start${stale.length ? ` (taken off ${stale.join(', ')} first)` : ''}` })
      },
    },
  ]
}

/** The hand-back's `address` step, while Patroni is paused (its leader stays): keepalived off, the address to manual mode on the primary. */
export function addressHandbackStep<P>(hosts: HostExec, c: PgCluster, primaryHost: () => Promise<string>): Step<P>[] {
  const a = clusterAddress(hosts, c)
  if (!a) return []
  const all = hostsOf(c)
  const root = (host: string, argv: string[]) => hosts.exec(host, argv, { sudo: true, timeoutMs: UNIT_TIMEOUT_MS, okExitCodes: ANY_EXIT })
  const active = async (host: string) => (await root(host, ['systemctl', 'is-active', '--quiet', KEEPALIVED_UNIT])).exitCode === 0
  const ours = async (host: string) => (await root(host, ['sh', '-c', FIRST_LINE, 'sh', KEEPALIVED_CONF])).stdout.startsWith(TEMPLATE_MARK)
  const stop = async (h: string) => {
    const r = await root(h, ['systemctl', 'disable', '--now', KEEPALIVED_UNIT])
    if (r.exitCode !== 0 && (await active(h))) throw new AppError('command_failed', `${h}: keepalived did not stop (exit ${r.exitCode}): ${r.stderr.trim()}. Stop it there (sudo systemctl disable --now ${KEEPALIVED_UNIT}), then resume.`, { host: h })
  }
  return [
    {
      id: 'address',
      title: `Service address ${a.address} back to ReplicaDesk's manual mode on the primary; keepalived stopped, disabled, its config removed`,
      hosts: all,
      plan: async () => {
        const primary = await primaryHost().catch(() => all[0]!)
        const sa = c.serviceAddress!
        return [
          ...[...all.filter((h) => h !== primary), primary].map((h) => ({ host: h, argv: ['systemctl', 'disable', '--now', KEEPALIVED_UNIT], runAs: 'root', note: 'the standbys\' hosts first, the primary\'s last (keepalived drops the address when it stops)' })),
          { host: primary, argv: ['ip', '-4', 'addr', 'add', `${sa.address}/${sa.prefix}`, 'dev', sa.interfaces[primary] ?? Object.values(sa.interfaces)[0]!], runAs: 'root', note: 'right after: ReplicaDesk\'s manual holder, announced with gratuitous ARP (arping -U)' },
          ...all.map((h) => ({ host: h, argv: ['sh', '-c', REMOVE_OURS, 'sh', KEEPALIVED_CONF, TEMPLATE_MARK], runAs: 'root', note: 'only a config ReplicaDesk wrote' })),
        ]
      },
      async check() {
        const running = await Promise.all(all.map(active))
        const left = await Promise.all(all.map(ours))
        return running.every((x) => !x) && left.every((x) => !x) && (await a.onlyOn(await primaryHost()))
      },
      async run(_ctx, report) {
        const primary = await primaryHost()
        await Promise.all(all.filter((h) => h !== primary).map(stop))
        // keepalived drops the address early in its shutdown (~1 s in all, measured): put it back the moment it is gone, not once the stop returns.
        const t0 = performance.now()
        let stopped = 0
        let failed: unknown
        const stopping = stop(primary).then(
          () => void (stopped = performance.now() - t0),
          (err: unknown) => void ((failed = err), (stopped = -1)),
        )
        await wait(10_000, async () => (stopped || !(await a.holders([primary])).some((x) => x.state === 'holds') ? true : undefined), 20)
        const moved = await a.moveTo(primary)
        const back = performance.now() - t0
        await stopping
        if (failed) throw failed
        await Promise.all(all.map((h) => root(h, ['sh', '-c', REMOVE_OURS, 'sh', KEEPALIVED_CONF, TEMPLATE_MARK])))
        if (!(await a.onlyOn(primary))) throw pgError('cluster_state', `${a.address} is not held by ${primary} alone after keepalived stopped. Look at \`ip -o addr\` on the members; resume to put it back.`, { host: primary })
        report({ message: `keepalived stopped and disabled on ${all.join(', ')} (${primary}'s in ${stopped.toFixed(0)} ms), its config removed; ${moved}; manual holder ${back.toFixed(0)} ms after the stop began` })
      },
    },
  ]
}
