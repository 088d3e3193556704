// The cluster methods of the contract: records in, operations out. Every action is an
// operation of the engine, planned (dry run) or started under the cluster lease.
import type { z } from 'zod'
import type { automaticInput, clusterCreateInput, failoverInput, fenceInput, rejoinInput, replicaAddInput, replicaRemoveInput, settingsInput, switchoverInput } from '../../../shared/clusters'
import type { OperationPlan, OperationStartResult } from '../../../shared/operations'
import type { ClusterStatus } from '../../../shared/status'
import { liveLastPrimary } from '../status'
import { pgMember, type PgCluster, type PgMember } from '../../../shared/postgres'
import { AppError } from '../../../shared/errors'
import { assessFailover, assessSwitchover, isUp, meaningChanges, writable, type LastPrimary, type PostgresEngine } from '../engines/postgres'
import { accessOf } from '../hosts/access'
import type { ServiceAddress } from '../address'
import type { HostsStore } from '../hosts/hosts-store'
import type { Operations } from '../operations'
import type { OperationDefinition } from '../operations'
import type { ClustersStore } from './clusters-store'
import { applyOperationStart } from './record-effects'
import { memberNamed } from './member-named'
import { planSettings } from './settings-plan'
import { withSettings } from './settings-change'
import { isMariaDb } from '../../../shared/cluster-record'
import { createMariaDbClusters, refuseMariaDb, type MariaDbEngineView } from './mariadb-clusters'

type Placement = Pick<z.output<typeof replicaAddInput>, 'host' | 'pgdata' | 'datadir' | 'port' | 'address' | 'layout' | 'debianName' | 'sync' | 'priority' | 'neverPromote'>

interface ClusterServiceOptions {
  store: ClustersStore
  hosts: HostsStore
  engine: PostgresEngine
  /** The MariaDB engine: its records' create, add and remove go there (mariadb-clusters.ts). */
  mariadb: MariaDbEngineView
  ops: Operations
  /** Called after every change of the records. */
  changed: () => void
  /** Keeps a started operation's end, so that closing the core waits for its lease release. */
  track: (finished: Promise<unknown>) => void
  /** The service address's pre-flight (address/). */
  address: Pick<ServiceAddress, 'inspect'>
  /** What status knows: the live snapshot (null when not collecting) and the last primary position seen. */
  status: {
    snapshot(cluster: string): ClusterStatus | null
    lastPrimary(cluster: string): Promise<LastPrimary | null>
  }
}

/** How long a role change waits for a member's position before counting it unreachable. */
const READ_TIMEOUT_MS = 3000
/** …and one that status already shows unreachable (still tried: it may be back). */
const GONE_TIMEOUT_MS = 800
/**
 * The fence's attempt on an old primary whose host status shows silent (unreachable, or no
 * answer within the status timeout), connect included: a powered-off box costs the promotion
 * this long at most. A host that answers is fenced well within it (one remote command).
 */
const GONE_FENCE_MS = 250
/** Down codes that mean the host itself did not answer (not: the server is stopped). */
const SILENT = new Set(['ssh_unreachable', 'timeout'])

export type ClusterService = ReturnType<typeof createClusterService>

export function createClusterService(o: ClusterServiceOptions) {
  const memberFrom = (name: string, p: Placement) => pgMemberFrom(o.hosts, name, p)

  /** Data dirs of the members of the other cluster records (every engine), for the data-dir guard on each host. */
  const knownDataDirs = async (except: string) => (await o.store.listAll()).filter((c) => c.id !== except).flatMap((c) => c.members.map((m) => ({ host: m.host, dataDir: m.dataDir })))

  const planOrStart = planner(o)
  const refuseDuringSplitBrain = splitBrainGuard(o)

  const maria = createMariaDbClusters({ engine: o.mariadb, hosts: o.hosts, planOrStart: (def, dryRun) => planOrStart(def, dryRun), knownDataDirs, snapshot: o.status.snapshot })
  const pgRecord = (id: string, what: string) => pgRecordOf(o.store, id, what)

  return {
    list: () => o.store.listAll(),

    async detect(hostName: string, engine: 'postgres' | 'mariadb' = 'postgres') {
      const host = await o.hosts.get(hostName)
      return engine === 'mariadb' ? o.mariadb.detect(host.name, 'sudo') : o.engine.detect(host.name, accessOf(host))
    },

    async create(input: z.output<typeof clusterCreateInput>): Promise<OperationStartResult> {
      const existing = await o.store.listAll()
      if (existing.some((c) => c.id === input.cluster)) {
        throw new AppError('conflict', `A cluster named "${input.cluster}" exists already. Pick another name, or forget the old record.`, { field: 'cluster' })
      }
      if (input.engine === 'mariadb') return maria.create(input)
      if (input.semiSync) throw new AppError('invalid_input', '--semi-sync is MariaDB\'s; PostgreSQL sets synchronous replicas with --sync-method and --sync-num.', { field: 'semiSync' })
      const primary = await memberFrom(input.member, input)
      const major = input.major ?? (await newestMajor(o.engine, primary))
      const cluster = o.engine.parseCluster({ id: input.cluster, major, sync: { method: input.syncMethod, num: input.syncNum }, members: [primary] })
      const def = o.engine.createCluster({ cluster, primary: primary.name, mode: input.mode, knownDataDirs: await knownDataDirs(cluster.id) })
      return planOrStart(def, input.dryRun)
    },

    forget: (id: string) => forgetRecord(o, id),

    async addReplica(input: z.output<typeof replicaAddInput>): Promise<OperationStartResult> {
      const any = await o.store.getAny(input.cluster)
      if (isMariaDb(any)) return (refuseDuringSplitBrain(any.id), maria.addReplica(any, input))
      const cluster = any
      const member = await memberFrom(input.name, input)
      refuseDuringSplitBrain(cluster.id)
      const next: PgCluster = o.engine.parseCluster({ ...cluster, members: [...cluster.members, member] })
      const def = o.engine.addReplica({ cluster: next, member: member.name, overwrite: input.overwrite, overwriteUnrelated: input.overwriteUnrelated, knownDataDirs: await knownDataDirs(cluster.id) })
      return planOrStart(def, input.dryRun)
    },

    async switchover(input: z.output<typeof switchoverInput>): Promise<OperationStartResult> {
      const any = await o.store.getAny(input.cluster)
      if (isMariaDb(any)) return (refuseDuringSplitBrain(any.id), maria.switchover(any, input))
      const cluster = any
      if (cluster.automatic) return planOrStart(await patroniSwitchover(o.engine, cluster, input), input.dryRun)
      refuseDuringSplitBrain(cluster.id)
      const seen = await o.engine.readPositions(cluster, READ_TIMEOUT_MS)
      const assessment = assessSwitchover(cluster, seen, input.to, cluster.maxLagBytes)
      const def = o.engine.switchover({ cluster, from: assessment.from!, to: assessment.to, maxLagBytes: cluster.maxLagBytes, assessment })
      confirmed(input, `switch over ${cluster.id} from ${assessment.from} to ${assessment.to}`)
      return planOrStart(def, input.dryRun, { assessment })
    },

    async failover(input: z.output<typeof failoverInput>): Promise<OperationStartResult> {
      const any = await o.store.getAny(input.cluster)
      if (isMariaDb(any)) return (refuseDuringSplitBrain(any.id), maria.failover(any, input))
      const cluster = any
      if (cluster.automatic) return planOrStart(await patroniFailover(o.engine, cluster, input), input.dryRun)
      // A member whose host status shows silent is asked briefly: it is gone or cut off, and a
      // failover must not wait a whole connect timeout for it. The primary status shows silent
      // is not read at all: the survivors are read once, and the fence tries it, bounded.
      const snapshot = o.status.snapshot(cluster.id)
      const gone = new Map(snapshot?.members.filter((m) => m.state === 'down' && m.down && SILENT.has(m.down.code)).map((m) => [m.name, m.down!.reason]))
      const timeoutOf = (member: string) => (gone.has(member) ? GONE_TIMEOUT_MS : READ_TIMEOUT_MS)
      // A live collector knows the primary of this moment; the file only what it was a few seconds ago.
      const lastPrimary = liveLastPrimary(snapshot) ?? (await o.status.lastPrimary(cluster.id))
      // The primary that went silent: the last primary position's, else the member status last saw as primary.
      const lost = lastPrimary?.member ?? snapshot?.members.find((m) => m.role === 'primary' && m.state !== 'up')?.name
      const skip = lost && gone.has(lost) ? lost : null
      const read = await o.engine.readPositions({ ...cluster, members: cluster.members.filter((m) => m.name !== skip) }, timeoutOf)
      const skipped = cluster.members.filter((m) => m.name === skip).map((member) => ({ member, error: new AppError('ssh_connect', `${member.name}: status shows its host silent (${gone.get(member.name)}); not read again.`) }))
      const seen = [...read, ...skipped]
      const from = oldPrimary(cluster, seen, lastPrimary?.member ?? null)
      const assessment = assessFailover({ cluster, from, seen, lastPrimary: lastPrimary?.member === from ? lastPrimary : null, to: input.to })
      const def = o.engine.failover({ cluster, from, to: assessment.to, assessment, ...(from && gone.has(from) && { fenceTimeoutMs: GONE_FENCE_MS }) })
      confirmed(input, `fail over ${cluster.id} to ${assessment.to} (expected loss: ${assessment.loss.text})`)
      // The old primary is marked fenced from the start (record-effects.ts).
      return planOrStart(def, input.dryRun, { assessment })
    },

    async settings(input: z.output<typeof settingsInput>): Promise<OperationStartResult> {
      const any = await o.store.getAny(input.cluster)
      if (isMariaDb(any)) return (refuseDuringSplitBrain(any.id), maria.settings(any, input))
      if (input.semiSync !== undefined) throw new AppError('invalid_input', '--semi-sync is MariaDB\'s; a PostgreSQL cluster sets synchronous replicas with --member NAME --sync and --sync-num.', { field: 'semiSync' })
      const cluster = any
      if (cluster.automatic) return planOrStart(await patroniSettings(o.engine, cluster, input), input.dryRun)
      refuseDuringSplitBrain(cluster.id)
      const hosts = async () => (await o.hosts.list()).map((h) => ({ name: h.name, address: h.address, access: accessOf(h), failureDomain: h.failureDomain }))
      const { def, settings } = await planSettings({ engine: o.engine, address: o.address, readTimeoutMs: READ_TIMEOUT_MS, hosts, knownDataDirs: () => knownDataDirs(cluster.id) }, cluster, input)
      confirmed(input, `change the redundancy settings of ${cluster.id}${settings.blocksWrites && input.blockWrites ? ' although writes will wait' : ''}`)
      return planOrStart(def, input.dryRun, { settings })
    },

    async automatic(input: z.output<typeof automaticInput>): Promise<OperationStartResult> {
      if (input.adopt !== undefined) return planOrStart(await adoptPatroni(o, input), input.dryRun)
      if (input.restApiPort !== undefined) throw new AppError('invalid_input', '--rest-api-port goes with --adopt HOST.', { field: 'restApiPort' })
      const cluster = await pgRecord(input.cluster, 'hand it over to an automatic-failover manager')
      refuseDuringSplitBrain(cluster.id)
      return planOrStart(handover(o.engine, cluster, input), input.dryRun)
    },

    async rejoin(input: z.output<typeof rejoinInput>): Promise<OperationStartResult> {
      const any = await o.store.getAny(input.cluster)
      if (isMariaDb(any)) return (maria.rejoin(any, input))
      const cluster = any
      memberNamed(cluster, input.member)
      if (cluster.automatic) return planOrStart(await patroniRebuild(o.engine, cluster, input), input.dryRun)
      const def = o.engine.rejoin({ cluster, member: input.member, rebuild: input.rebuild, knownDataDirs: await knownDataDirs(cluster.id) })
      confirmed(input, input.rebuild ? `replace the data of ${input.member} with a fresh copy of the primary` : `rejoin ${input.member} as a replica (pg_rewind)`)
      return planOrStart(def, input.dryRun)
    },

    async fence(input: z.output<typeof fenceInput>): Promise<OperationStartResult> {
      const any = await o.store.getAny(input.cluster)
      if (isMariaDb(any)) return (maria.fence(any, input))
      const cluster = any
      refuseHandedOver(cluster, 'fence members')
      memberNamed(cluster, input.member)
      const def = o.engine.fence({ cluster, member: input.member })
      confirmed(input, `stop ${input.member} and fence it`)
      return planOrStart(def, input.dryRun)
    },

    async removeReplica(input: z.output<typeof replicaRemoveInput>): Promise<OperationStartResult> {
      const any = await o.store.getAny(input.cluster)
      if (isMariaDb(any)) return (refuseDuringSplitBrain(any.id), maria.removeReplica(any, input))
      const cluster = any
      memberNamed(cluster, input.name, 'name')
      refuseDuringSplitBrain(cluster.id)
      const def = o.engine.removeReplica({ cluster, member: input.name, deleteData: input.deleteData, knownDataDirs: await knownDataDirs(cluster.id) })
      // The member leaves the record when the removal succeeds (record-effects.ts).
      return planOrStart(def, input.dryRun)
    },
  }
}

/** Takes the record out (nothing on the servers changes); offers for cleaning the hosts that carried it and carry no other cluster (their leases, fences, passfile lines). */
async function forgetRecord(o: Pick<ClusterServiceOptions, 'store' | 'changed'>, id: string) {
  const gone = await o.store.getAny(id)
  await o.store.updateAny(id, () => undefined)
  o.changed()
  const inUse = new Set((await o.store.listAll()).flatMap((c) => c.members.map((m) => m.host)))
  return { forgotten: id, cleanable: [...new Set(gone.members.map((m) => m.host))].filter((h) => !inUse.has(h)) }
}

/** The PostgreSQL record; a MariaDB one is refused for what it cannot do yet (said, never run with PostgreSQL's steps). */
async function pgRecordOf(store: ClustersStore, id: string, what: string): Promise<PgCluster> {
  const c = await store.getAny(id)
  if (isMariaDb(c)) refuseMariaDb(c, what)
  return c
}

/** Dry run, or start and record (record-effects.ts: only once the lease is held and the operation runs). */
function planner(o: Pick<ClusterServiceOptions, 'ops' | 'track' | 'store' | 'changed'>) {
  return async (def: OperationDefinition<unknown>, dryRun: boolean, judged: Pick<OperationPlan, 'assessment' | 'settings'> = judgedIn(def)): Promise<OperationStartResult> => {
    if (dryRun) return { dryRun: true, plan: { ...(await o.ops.plan(def)), ...judged } }
    const started = await o.ops.start(def)
    o.track(started.finished)
    await applyOperationStart(o.store, def)
    o.changed()
    return { dryRun: false, operation: started.operation }
  }
}

/** While two members accept writes only fence and rejoin may run. */
function splitBrainGuard(o: Pick<ClusterServiceOptions, 'status'>) {
  return (cluster: string) => {
    const alarm = o.status.snapshot(cluster)?.splitBrain
    if (alarm) throw new AppError('split_brain', `Split brain in cluster ${cluster}: ${alarm.members.join(' and ')} both accept writes. Fence the one clients should not write to (replicadesk fence ${cluster} MEMBER) before anything else.`, { members: alarm.members })
  }
}

/** A PostgreSQL member from the flat placement input (its data dir is --pgdata). */
async function pgMemberFrom(hosts: HostsStore, name: string, p: Placement): Promise<PgMember> {
  const host = await hosts.get(p.host)
  const { pgdata, datadir, ...rest } = p
  if (datadir !== undefined) throw new AppError('invalid_input', '--datadir is a MariaDB member\'s; a PostgreSQL member takes --pgdata.', { field: 'datadir' })
  if (pgdata === undefined) throw new AppError('invalid_input', `Give the data directory of ${name} (--pgdata), e.g. /var/lib/postgresql/15/${name}.`, { field: 'pgdata' })
  return pgMember.parse({ ...rest, dataDir: pgdata, name, host: host.name, address: p.address ?? host.address, access: accessOf(host) })
}

/** The judgement a role change carries in its params (a role change through Patroni), for its plan. */
function judgedIn(def: OperationDefinition<unknown>): Pick<OperationPlan, 'assessment'> {
  const assessment = (def.params as { assessment?: OperationPlan['assessment'] } | null)?.assessment
  return assessment ? { assessment } : {}
}

/** Adopt a Patroni cluster through one of its hosts: a new record, nothing changed on the servers (so no confirmation). */
async function adoptPatroni(o: Pick<ClusterServiceOptions, 'store' | 'hosts' | 'engine'>, input: z.output<typeof automaticInput>) {
  if (input.on !== undefined || input.off !== undefined) throw new AppError('invalid_input', '--adopt records a cluster Patroni runs already: give it without --on or --off.', { field: 'adopt' })
  if (await o.store.find(input.cluster)) throw new AppError('conflict', `A cluster named "${input.cluster}" exists already. Pick another name for the adopted one, or forget the old record.`, { field: 'cluster' })
  const records = (await o.hosts.list()).map((h) => ({ name: h.name, address: h.address, user: h.user, access: accessOf(h) }))
  const viaName = (await o.hosts.get(input.adopt!)).name
  const via = records.find((h) => h.name === viaName)!
  return o.engine.patroniAdopt({ id: input.cluster, via, restApiPort: input.restApiPort ?? 8008, records })
}

/** Automatic failover on: the hand-over to Patroni + etcd, confirmed after its plan. */
function handover(engine: PostgresEngine, cluster: PgCluster, input: z.output<typeof automaticInput>) {
  const off = input.off === true || input.on === false
  if (off === (input.on === true || input.off === false)) throw new AppError('invalid_input', 'Say --on (hand over to Patroni) or --off (take it back), one of them.', { field: 'on' })
  if (off) {
    if (!cluster.automatic) throw new AppError('conflict', `${cluster.id} is not handed over to Patroni: ReplicaDesk manages it already.`)
    const back = engine.handback(cluster, input.keepEtcd)
    confirmed(input, `take ${cluster.id} back from Patroni (PostgreSQL keeps running; failover waits for a click again)`)
    return back
  }
  if (input.keepEtcd !== undefined) throw new AppError('invalid_input', '--keep-etcd goes with --off (the hand-back).', { field: 'keepEtcd' })
  if (cluster.automatic) throw new AppError('conflict', `${cluster.id} is handed over to Patroni already.`)
  const def = engine.handover(cluster)
  confirmed(input, `hand ${cluster.id} over to Patroni + etcd. ${meaningChanges(cluster).join(' ')}`)
  return def
}

/** Handed over: Patroni switches over (its REST API); ReplicaDesk never fights it. */
async function patroniSwitchover(engine: PostgresEngine, cluster: PgCluster, input: z.output<typeof switchoverInput>) {
  const def = await engine.patroniSwitchover(cluster, input.to)
  confirmed(input, `switch over ${cluster.id} through Patroni from ${def.params.from} to ${def.params.to}`)
  return def
}

/** Handed over: Patroni fails over (its REST API, to the candidate it accepts). */
async function patroniFailover(engine: PostgresEngine, cluster: PgCluster, input: z.output<typeof failoverInput>) {
  const def = await engine.patroniFailover(cluster, input.to)
  confirmed(input, `fail over ${cluster.id} through Patroni to ${def.params.to}`)
  return def
}

/** Handed over: the settings Patroni owns go to its dynamic configuration (PATCH /config); the others are refused with the reason. */
async function patroniSettings(engine: PostgresEngine, cluster: PgCluster, input: z.output<typeof settingsInput>) {
  const def = await engine.patroniSettings(cluster, withSettings(cluster, input), input)
  const what = [Object.keys(def.params.body).length ? `PATCH /config ${JSON.stringify(def.params.body)}` : '', cluster.notifyUrl !== def.params.cluster.notifyUrl ? "rewrite each member's role-change callback" : ''].filter(Boolean)
  confirmed(input, `change the settings of ${cluster.id} through Patroni (${what.join('; ')})`)
  return def
}

/**
 * Handed over: a rebuild is Patroni's POST /reinitialize (the UI confirms the wipe twice); a plain
 * rejoin is refused: Patroni rejoins a former primary itself (pg_rewind on restart).
 */
async function patroniRebuild(engine: PostgresEngine, cluster: PgCluster, input: z.output<typeof rejoinInput>) {
  if (!input.rebuild) throw new AppError('conflict', `${cluster.id} is handed over to Patroni (automatic failover): Patroni rejoins a former primary itself, with pg_rewind when it starts again, so ReplicaDesk does not. If ${input.member} does not come back (Patroni shows it stopped or "start failed"), rebuild it: Patroni copies it afresh (replicadesk rejoin ${cluster.id} ${input.member} --rebuild).`)
  const def = await engine.patroniReinitialize(cluster, input.member)
  confirmed(input, `wipe the data dir of ${input.member} and let Patroni copy it afresh from its leader (POST /reinitialize)`)
  return def
}

/** A cluster handed over to Patroni: its failover decides; ReplicaDesk never fights it. */
function refuseHandedOver(c: PgCluster, what: string): void {
  if (c.automatic) throw new AppError('conflict', `${c.id} is handed over to Patroni (automatic failover): ReplicaDesk does not ${what} itself, so it never fights Patroni. Switch over or fail over through Patroni (replicadesk switchover|failover ${c.id}), or take it back first (replicadesk automatic ${c.id} --off).`)
}

/** Role changes run only after the user saw the plan: the UI's dialog, or the CLI's prompt / --yes. */
function confirmed(input: { dryRun: boolean; yes: boolean }, what: string): void {
  if (!input.dryRun && !input.yes) throw new AppError('confirmation_required', `Confirm to ${what}: look at the plan (--dry-run), then run again with --yes.`)
}


/**
 * The member a failover replaces: the primary status saw last; else the one member that is
 * not a reachable standby. With several such members ReplicaDesk does not guess (null).
 */
function oldPrimary(cluster: PgCluster, seen: Awaited<ReturnType<PostgresEngine['readPositions']>>, known: string | null): string | null {
  if (known && cluster.members.some((m) => m.name === known)) return known
  const notStandby = seen.filter((s) => !isUp(s) || writable(s.pos))
  return notStandby.length === 1 ? notStandby[0]!.member.name : null
}

async function newestMajor(engine: PostgresEngine, member: PgMember): Promise<string> {
  const found = await engine.detect(member.host, member.access)
  const majors = found.versions.map((v) => v.major).sort((a, b) => Number(b) - Number(a))
  if (!majors[0]) {
    throw new AppError('preflight_failed', `No PostgreSQL is installed on ${member.host} (nothing in /usr/lib/postgresql). ReplicaDesk can install it: \`replicadesk host prepare ${member.host} --install\` (or Hosts → Prepare); or install it yourself (apt-get install postgresql), then try again.`)
  }
  return majors[0]
}
