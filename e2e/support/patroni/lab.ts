// A three-member cluster for the Patroni lab tests (test code): plain data dirs like the other
// role-change tests, but reached as the admin with sudo (the hand-over writes units and
// /etc/patroni), on a port and data dirs no other lab test uses. Cleanup stops Patroni and etcd
// on every host and removes what the hand-over wrote, so the hosts are as before.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { operationEvent, type OperationEvent, type OperationSummary } from '../../../shared/operations'
import { createOperations, loadInstanceId, type OperationDefinition } from '../../../electron/core/operations'
import { remoteRunnerOf } from '../../../electron/core/engines/host-exec'
import { automaticOf, patroniKinds } from '../../../electron/core/engines/postgres/patroni'
import { lockLabHosts } from '../../fixtures/labLock'
import { buildHaCluster, haCluster, HA_HOSTS, dropHaCluster } from '../postgres/ha-cluster'
import { makeWorld, type World } from '../postgres/lab-world'
import type { PgCluster } from '../../../electron/core/engines/postgres/model'

export const PT = { id: 'pt', layout: 'plain' as const, sync: true, port: 5460 }

export const patroniWorld = () => makeWorld(Object.fromEntries(HA_HOSTS.map((h) => [h, 'admin' as const])), { leaseSudo: 'postgres' })

export function patroniCluster(w: World): PgCluster {
  const c = haCluster(w, PT)
  return w.engine.parseCluster({ ...c, members: c.members.map((m) => ({ ...m, access: 'sudo' as const })) })
}

/** Stops Patroni (first: it would restart PostgreSQL), keepalived and etcd, removes their files (the Patroni units' drop-ins too) and the service address, then the cluster. */
const CLEAN = String.raw`major=$1 vip=$2; shift 2
for m; do
  systemctl disable --now "patroni@$major-$m.service" >/dev/null 2>&1
  rm -f "/etc/systemd/system/multi-user.target.wants/patroni@$major-$m.service" "/etc/patroni/$major-$m.yml" "/etc/patroni/$major-$m-on-role-change.sh" "/var/lib/postgresql/.replicadesk/patroni-$m.restapi" "/var/lib/postgresql/.replicadesk/patroni-$m.pgpass" "/etc/systemd/system/patroni@$major-$m.service.d/replicadesk.conf"
  rmdir "/etc/systemd/system/patroni@$major-$m.service.d" 2>/dev/null
done
systemctl disable --now keepalived.service >/dev/null 2>&1
rm -f /etc/keepalived/keepalived.conf
[ -n "$vip" ] && ip -o -4 addr show | while read -r _n dev _f cidr _r; do
  case $cidr in "$vip"/*) ip -4 addr del "$cidr" dev "$(printf %s "$dev" | cut -d@ -f1)" ;; esac
done
systemctl disable --now replicadesk-etcd.service >/dev/null 2>&1
rm -rf /etc/systemd/system/replicadesk-etcd.service /var/lib/replicadesk/etcd /var/lib/replicadesk/etcd-tls
exit 0`

export async function cleanPatroni(w: World, c: PgCluster): Promise<void> {
  await Promise.all(HA_HOSTS.map((h) => w.tryRoot(h, ['sh', '-c', CLEAN, 'sh', c.major, c.serviceAddress?.address ?? '', ...c.members.map((m) => m.name)])))
  await dropHaCluster(w, c)
}

/** Inode and mtime of the data dir and its PG_VERSION, and the system identifier: unchanged unless re-copied. */
export async function dataDirIdentity(w: World, c: PgCluster): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const m of c.members) {
    // The data dir's inode (its mtime changes: Patroni writes its files there) and PG_VERSION's inode and mtime.
    const stat = await w.asRoot(m.host, ['stat', '-c', '%i', m.dataDir])
    const version = await w.asRoot(m.host, ['stat', '-c', '%i %Y', `${m.dataDir}/PG_VERSION`])
    const sysid = await w.asRoot(m.host, [`/usr/lib/postgresql/${c.major}/bin/pg_controldata`, m.dataDir], 'postgres')
    out[m.name] = `${stat.trim()} ${version.trim()} ${/Database system identifier:\s*(\d+)/.exec(sysid)?.[1]}`
  }
  return out
}

/** An operations runner that knows the engine's kinds and the hand-over; `run` as the world's. */
export async function patroniRunner(w: World) {
  const root = await mkdtemp(join(tmpdir(), 'rd-patroni-lab-'))
  const dataDir = join(root, 'data')
  const kinds = patroniKinds(w.hosts)
  const events: OperationEvent[] = []
  const ops = createOperations({
    dataDir,
    instanceId: await loadInstanceId(dataDir),
    remote: remoteRunnerOf(w.hosts),
    emit: (e) => events.push(operationEvent.parse(e)),
    kinds: { ...w.engine.kinds, ...kinds.kinds },
    lease: { ttlSeconds: 60, sudo: 'postgres' },
    fault: null,
  })
  async function run(def: OperationDefinition<unknown>): Promise<{ summary: OperationSummary; events: OperationEvent[]; ms: number }> {
    const from = events.length
    const t0 = performance.now()
    const summary = await ops.runOperation(def)
    return { summary, events: events.slice(from), ms: performance.now() - t0 }
  }
  return { kinds, run, dataDir, close: () => rm(root, { recursive: true, force: true }) }
}

/** When each member's postmaster started (a restart changes it). */
export async function startTimes(w: World, c: PgCluster): Promise<Record<string, string>> {
  return Object.fromEntries(await Promise.all(c.members.map(async (m) => [m.name, await w.psql(m.host, m.port, 'SELECT pg_postmaster_start_time()')])))
}

/** Copies the Patroni and etcd unit logs of every host to `to` (debugging a lab run). */
export async function copyUnitLogs(w: World, c: PgCluster, to: string): Promise<void> {
  const { cpSync, mkdirSync } = await import('node:fs')
  const { unitStateDir } = await import('../../lab/standins')
  for (const h of HA_HOSTS) {
    mkdirSync(join(to, h), { recursive: true })
    try {
      cpSync(join(unitStateDir(w.host(h).dir), 'units'), join(to, h), { recursive: true })
    } catch {
      // no unit ran there
    }
  }
  void c
}

/**
 * The lab hosts locked for `what`, and on them the 3-member cluster built and handed over to
 * Patroni (the record then says so): what the Patroni lab tests after the hand-over start from.
 */
export async function handedOverLab(what: string, lockTimeoutMs?: number) {
  const unlock = await lockLabHosts(what, lockTimeoutMs)
  try {
    const w = await patroniWorld()
    const built = patroniCluster(w)
    const pr = await patroniRunner(w)
    await cleanPatroni(w, built)
    await buildHaCluster(w, built)
    const r = await pr.run(pr.kinds.handoverOf(built))
    if (r.summary.error) throw new Error(`the hand-over failed: ${r.summary.error.message}`)
    const c = w.engine.parseCluster({ ...built, automatic: { mode: 'patroni', ...automaticOf(built) } })
    /** Patroni and the cluster removed, the world closed, the hosts unlocked (whatever fails on the way). */
    const close = async () => {
      try {
        await cleanPatroni(w, c)
        await w.close()
        await pr.close()
      } finally {
        unlock()
      }
    }
    return { w, c, pr, close }
  } catch (e) {
    unlock()
    throw e
  }
}
