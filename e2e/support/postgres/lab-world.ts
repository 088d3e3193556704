// Shared set-up of the engine's lab tests (test code, not used by the app): an SSH service
// aimed at the lab, a HostExec that logs in to each lab host as postgres or as the admin,
// the PostgreSQL engine, an operations service with every event checked against the shared
// schemas, and lab-side helpers (run as root inside a host, no SSH) to break hosts and to
// clean up every PostgreSQL instance a test made.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { operationEvent, type OperationEvent, type OperationSummary } from '../../../shared/operations'
import { exec as labExec, type LabHost } from '../../lab'
import { createOperations, loadInstanceId, type OperationDefinition } from '../../../electron/core/operations'
import { labContext } from '../ssh/lab-fixtures'
import type { Target } from '../../../electron/core/ssh'
import { remoteRunnerOf, type HostExec } from '../../../electron/core/engines/host-exec'
import { createPostgresEngine } from '../../../electron/core/engines/postgres/engine'
import type { PgCluster, PgMember } from '../../../electron/core/engines/postgres/model'

export type Login = 'postgres' | 'admin'

export async function makeWorld(logins: Record<string, Login>, opts: { leaseSudo?: string } = {}) {
  const ctx = labContext()
  const ssh = ctx.service()
  const target = (host: string): Target => ctx.target(host, logins[host] === 'admin' ? ctx.lab.users.admin : ctx.lab.users.postgres)
  const calls: { host: string; argv: string[]; sudo?: unknown }[] = []
  const hosts: HostExec = {
    exec(host, argv, o) {
      calls.push({ host, argv: argv.map(String), sudo: o?.sudo })
      return ssh.exec(target(host), argv, o)
    },
  }
  const engine = createPostgresEngine({ hosts })
  const root = await mkdtemp(join(tmpdir(), 'rd-pg-lab-'))
  const dataDir = join(root, 'data')
  const events: OperationEvent[] = []
  /** performance.now() of each event, same index. */
  const eventTimes: number[] = []
  const ops = createOperations({
    dataDir,
    instanceId: await loadInstanceId(dataDir),
    remote: remoteRunnerOf(hosts),
    emit: (e) => {
      eventTimes.push(performance.now())
      events.push(operationEvent.parse(e))
    },
    kinds: engine.kinds,
    lease: { ttlSeconds: 60, ...(opts.leaseSudo && { sudo: opts.leaseSudo }) },
    fault: null,
  })
  const host = (name: string): LabHost => ctx.host(name)

  /**
   * Runs an operation to its end; events of that operation only. `ms`: until runOperation
   * returned (cluster lease released); `reportedMs`: until it was reported finished.
   */
  async function run(def: OperationDefinition<unknown>): Promise<{ summary: OperationSummary; events: OperationEvent[]; ms: number; reportedMs: number }> {
    const from = events.length
    const t0 = performance.now()
    const summary = await ops.runOperation(def)
    const ms = performance.now() - t0
    const endIndex = events.findIndex((e, i) => i >= from && e.type === 'changed' && ['succeeded', 'failed'].includes(e.operation.status))
    return { summary, events: events.slice(from), ms, reportedMs: endIndex >= 0 ? eventTimes[endIndex]! - t0 : ms }
  }

  /** Root inside a lab host (set-up, faults, inspection); throws unless it exits 0. */
  async function asRoot(hostName: string, argv: string[], user = 'root'): Promise<string> {
    const r = await labExec(host(hostName), argv, { user })
    if (r.code !== 0) throw new Error(`${hostName}: ${argv.join(' ')} exited ${r.code}: ${r.stderr || r.stdout}`)
    return r.stdout
  }
  const tryRoot = (hostName: string, argv: string[], user = 'root') => labExec(host(hostName), argv, { user })

  /** psql as postgres on a lab host (port, socket /var/run/postgresql); one value per line. */
  const psql = (hostName: string, port: number, sql: string) => asRoot(hostName, ['/usr/lib/postgresql/15/bin/psql', '-X', '-At', '-h', '/var/run/postgresql', '-p', String(port), '-d', 'postgres', '-c', sql], 'postgres').then((s) => s.trim())

  const close = async () => {
    await ctx.closeAll()
    await rm(root, { recursive: true, force: true })
  }
  return { ctx, lab: ctx.lab, ssh, hosts, engine, ops, events, calls, run, host, asRoot, tryRoot, psql, close }
}

export type World = Awaited<ReturnType<typeof makeWorld>>

/** Stops and removes everything a test made for these members, whatever state it is in. */
export async function cleanupMembers(w: World, members: readonly PgMember[], major = '15'): Promise<void> {
  const script = String.raw`layout=$1 datadir=$2 major=$3 name=$4 log=$5
if [ "$layout" = debian ] && [ -d "/etc/postgresql/$major/$name" ]; then
  pg_ctlcluster "$major" "$name" stop -m immediate >/dev/null 2>&1
  pg_dropcluster "$major" "$name" >/dev/null 2>&1
fi
if [ -f "$datadir/postmaster.pid" ]; then
  runuser -u postgres -- /usr/lib/postgresql/$major/bin/pg_ctl -D "$datadir" -m immediate -w stop >/dev/null 2>&1
fi
rm -rf -- "$datadir" "/etc/postgresql/$major/$name" "$log"
rm -rf /var/lib/postgresql/.pgpass /var/lib/postgresql/.replicadesk /var/lib/replicadesk/leases
exit 0`
  await Promise.all(
    members.map((m) =>
      w.asRoot(m.host, ['sh', '-c', script, 'sh', m.layout, m.dataDir, major, m.layout === 'debian' ? m.debianName : '-', m.layout === 'plain' ? `/var/log/postgresql/replicadesk-${m.name}.log` : '/nonexistent']),
    ),
  )
}

export const memberNamed = (c: PgCluster, name: string) => c.members.find((m) => m.name === name)!
