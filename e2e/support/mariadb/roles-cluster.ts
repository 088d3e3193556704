// The three-member MariaDB cluster of the role-change lab tests and bench (test code): plain
// members m1..m3 on host1..host3 (port 3310, /srv/mdb/NAME), every one a semi-sync replica so
// whichever is primary has acknowledgements; built through the engine (create, two
// add-replicas); the write probe's view of it; the primary's mariadbd pid for a kill -9; a
// child process that runs a role change and SIGKILLs itself at a fault point.
import type { MariaCluster, MariaClusterInput } from '../../../electron/core/engines/mariadb/model'
import { parseCluster } from '../../../electron/core/engines/mariadb/model'
import type { MariaProbeMember } from './probe'
import { cleanupHosts, clusterOf, plainMember, runFaultChild, type ReplicaWorld } from './replica-world'

export const ROLE_HOSTS = ['host1', 'host2', 'host3']
export const ROLE_SOCKET = '/run/mysqld/rd-3310.sock'

/** The record: m1..m3, all semi-sync replicas; semi-sync on or off with a short fall-back. */
export function rolesCluster(w: ReplicaWorld, id: string, semi: boolean, fenced: string[] = []): MariaCluster {
  const addr = (h: string) => w.ctx.host(h).address
  const base = clusterOf(id, ROLE_HOSTS.map((h, i) => ({ ...plainMember(`m${i + 1}`, h, addr(h), i + 1), sync: true })))
  return parseCluster({ ...base, semiSync: { enabled: semi, timeoutMs: 5000 }, fenced } satisfies MariaClusterInput)
}

/** Cleans the hosts, creates m1 and adds m2 and m3 (each operation must succeed). */
export async function buildRolesCluster(w: ReplicaWorld, c: MariaCluster): Promise<void> {
  await cleanupHosts(w, ROLE_HOSTS)
  const one = { ...c, members: c.members.slice(0, 1) }
  const ok = (s: { status: string; error?: { message: string } }, what: string) => {
    if (s.status !== 'succeeded') throw new Error(`${what}: ${s.error?.message ?? s.status}`)
  }
  ok((await w.run(w.engine.createCluster({ cluster: one, primary: 'm1', mode: 'init' }))).summary, 'create m1')
  for (let i = 2; i <= c.members.length; i++) ok((await w.run(w.engine.addReplica({ cluster: { ...c, members: c.members.slice(0, i) }, member: `m${i}` }))).summary, `add m${i}`)
}

export const probeMembers = (c: MariaCluster): MariaProbeMember[] => c.members.map((m) => ({ name: m.name, host: m.host, address: m.address, port: m.port, socket: ROLE_SOCKET }))

/** The pid of the member's mariadbd, from its pid file (the lab hosts share the machine's pid namespace). */
export async function mariadbdPid(w: ReplicaWorld, c: MariaCluster, member: string): Promise<number> {
  const m = c.members.find((x) => x.name === member)!
  const pid = Number((await w.asRoot(m.host, ['cat', `${m.dataDir}/mariadbd.pid`])).trim())
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`no mariadbd pid for ${member} on ${m.host}`)
  return pid
}

/** Which members are writable primaries, and which replicate (both threads) from whom. */
export async function rolesNow(w: ReplicaWorld, c: MariaCluster) {
  const seen = await w.engine.readPositions(c, 5000)
  const primary = seen.filter((s) => s.facts && !s.facts.readOnly).map((s) => s.member)
  const replicating = seen.filter((s) => s.facts?.slaves[0]?.ioRunning === 'Yes' && s.facts.slaves[0].sqlRunning === 'Yes').map((s) => `${s.member}<-${c.members.find((m) => m.address === s.facts!.slaves[0]!.masterHost)?.name ?? '?'}`)
  return { primary, replicating: replicating.sort(), seen }
}

/** Runs `roles-child.ts` (METHOD on `dataDir`'s journal) that SIGKILLs itself at `fault`. */
export const runRoleInChild = (dataDir: string, method: 'switchover' | 'failover' | 'fence', params: unknown, fault: string) =>
  runFaultChild('roles-child.ts', [dataDir, method, JSON.stringify(params)], fault, 120_000)
