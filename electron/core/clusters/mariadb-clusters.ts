// The cluster methods for MariaDB records: the flat contract inputs turned into the MariaDB
// record (shared/mariadb.ts) and handed to its engine. The PostgreSQL methods stay in
// cluster-service.ts, which sends a MariaDB cluster's calls here.
import type { z } from 'zod'
import type { clusterCreateInput, failoverInput, fenceInput, rejoinInput, replicaAddInput, replicaRemoveInput, settingsInput, switchoverInput } from '../../../shared/clusters'
import type { ClusterStatus } from '../../../shared/status'
import { assessMariaFailover, assessMariaSwitchover, type MariaDbEngine, type MariaLastPrimary } from '../engines/mariadb'
import { AppError } from '../../../shared/errors'
import { DEBIAN_DATADIR, freeServerId, mariaMember, type MariaCluster, type MariaMember } from '../../../shared/mariadb'
import type { OperationStartResult } from '../../../shared/operations'
import type { OperationDefinition } from '../operations'
import type { HostsStore } from '../hosts/hosts-store'
import { memberNamed } from './member-named'

export type MariaDbEngineView = MariaDbEngine

type Placement = Pick<z.output<typeof replicaAddInput>, 'host' | 'datadir' | 'pgdata' | 'port' | 'address' | 'layout' | 'sync' | 'priority' | 'neverPromote'>

interface MariaDbClustersOptions {
  engine: MariaDbEngineView
  hosts: HostsStore
  planOrStart(def: OperationDefinition<unknown>, dryRun: boolean): Promise<OperationStartResult>
  /** Data dirs of the members of the other records (every engine), for the data-dir guard. */
  knownDataDirs(except: string): Promise<{ host: string; dataDir: string }[]>
  /** The live snapshot (null when status is not collected here): the primary as last seen. */
  snapshot(cluster: string): ClusterStatus | null
}

/** How long a role change waits for a member's answer before counting it unreachable. */
const READ_TIMEOUT_MS = 3000

/** The primary as status last saw it: its GTID position, when, and whether semi-sync was in force (the failover's loss statement). */
export function lastMariaPrimary(s: ClusterStatus | null): MariaLastPrimary | null {
  if (!s) return null
  const seen = s.members.filter((m) => m.role === 'primary' && m.gtid && m.writable)
  const p = seen.find((m) => m.state === 'up') ?? seen[0]
  if (!p?.gtid) return null
  return { member: p.name, gtid: p.gtid.binlogPos, at: p.state === 'up' ? s.at : (p.down?.since ?? s.at), semiSyncOn: p.gtid.semiSync === 'on' }
}

export function createMariaDbClusters(o: MariaDbClustersOptions) {
  const memberFrom = async (name: string, p: Placement, taken: readonly MariaMember[]): Promise<MariaMember> => {
    if (p.pgdata !== undefined) throw new AppError('invalid_input', '--pgdata is PostgreSQL\'s data directory; a MariaDB member takes --datadir.', { field: 'pgdata' })
    const dataDir = p.datadir ?? (p.layout === 'debian' ? DEBIAN_DATADIR : undefined)
    if (!dataDir) throw new AppError('invalid_input', `Give the MariaDB datadir of ${name} (--datadir /srv/mariadb/${name}), or --layout debian for the distribution's own server in /var/lib/mysql.`, { field: 'datadir' })
    if (p.layout === 'debian' && dataDir !== DEBIAN_DATADIR) throw new AppError('invalid_input', `The Debian layout runs the mariadb unit on ${DEBIAN_DATADIR}; leave --datadir out or use --layout plain for ${dataDir}.`, { field: 'datadir' })
    const host = await o.hosts.get(p.host)
    return mariaMember.parse({ name, host: host.name, address: p.address ?? host.address, port: p.port, dataDir, layout: p.layout, sync: p.sync, priority: p.priority, neverPromote: p.neverPromote, serverId: freeServerId(taken) })
  }

  return {
    async create(input: z.output<typeof clusterCreateInput>): Promise<OperationStartResult> {
      if (input.major !== undefined) throw new AppError('invalid_input', '--major is a PostgreSQL version; MariaDB uses the version installed on the host.', { field: 'major' })
      const primary = await memberFrom(input.member, input, [])
      const cluster = o.engine.parseCluster({ engine: 'mariadb', id: input.cluster, semiSync: { enabled: input.semiSync }, members: [primary] })
      const def = o.engine.createCluster({ cluster, primary: primary.name, mode: input.mode, knownDataDirs: await o.knownDataDirs(cluster.id) })
      return o.planOrStart(def, input.dryRun)
    },

    async addReplica(cluster: MariaCluster, input: z.output<typeof replicaAddInput>): Promise<OperationStartResult> {
      const member = await memberFrom(input.name, input, cluster.members)
      const next = o.engine.parseCluster({ ...cluster, members: [...cluster.members, member] })
      const def = o.engine.addReplica({ cluster: next, member: member.name, overwrite: input.overwrite, overwriteUnrelated: input.overwriteUnrelated, knownDataDirs: await o.knownDataDirs(cluster.id) })
      return o.planOrStart(def, input.dryRun)
    },

    /** Redundancy settings: semi-sync (on/off, strict or a fall-back timeout), per-member semi-sync, priorities, wanted replicas, notifications. */
    async settings(cluster: MariaCluster, input: z.output<typeof settingsInput>): Promise<OperationStartResult> {
      const next = o.engine.parseCluster(mariaSettingsOf(cluster, input))
      const def = o.engine.applySettings({ cluster: next, previous: cluster })
      confirmedSettings(input, cluster.id)
      return o.planOrStart(def, input.dryRun)
    },

    async switchover(cluster: MariaCluster, input: z.output<typeof switchoverInput>): Promise<OperationStartResult> {
      const seen = await o.engine.readPositions(cluster, READ_TIMEOUT_MS)
      const assessment = assessMariaSwitchover(cluster, seen, input.to)
      const def = o.engine.switchover({ cluster, from: assessment.from!, to: assessment.to, assessment })
      confirmed(input, `switch over ${cluster.id} from ${assessment.from} to ${assessment.to}`)
      return o.planOrStart(def, input.dryRun)
    },

    /** The primary is lost: the candidate with the most received, the loss stated from the primary status last saw. */
    async failover(cluster: MariaCluster, input: z.output<typeof failoverInput>): Promise<OperationStartResult> {
      const snapshot = o.snapshot(cluster.id)
      const last = lastMariaPrimary(snapshot)
      const gone = new Set(snapshot?.members.filter((m) => m.state === 'down' && (m.down?.code === 'ssh_unreachable' || m.down?.code === 'timeout')).map((m) => m.name))
      const seen = await o.engine.readPositions(cluster, (m) => (gone.has(m) ? 800 : READ_TIMEOUT_MS))
      const from = last?.member ?? (seen.filter((r) => r.role !== 'replica').length === 1 ? seen.find((r) => r.role !== 'replica')!.member : null)
      const assessment = assessMariaFailover({ cluster, from, seen, lastPrimary: last, to: input.to })
      const def = o.engine.failover({ cluster, from, to: assessment.to, assessment, ...(from && gone.has(from) && { fenceTimeoutMs: 250 }) })
      confirmed(input, `fail over ${cluster.id} to ${assessment.to} (expected loss: ${assessment.loss.text})`)
      return o.planOrStart(def, input.dryRun)
    },

    async rejoin(cluster: MariaCluster, input: z.output<typeof rejoinInput>): Promise<OperationStartResult> {
      memberNamed(cluster, input.member)
      const def = o.engine.rejoin({ cluster, member: input.member, rebuild: input.rebuild, knownDataDirs: await o.knownDataDirs(cluster.id) })
      confirmed(input, input.rebuild ? `replace the data of ${input.member} with a fresh copy of the primary` : `rejoin ${input.member} as a replica`)
      return o.planOrStart(def, input.dryRun)
    },

    async fence(cluster: MariaCluster, input: z.output<typeof fenceInput>): Promise<OperationStartResult> {
      memberNamed(cluster, input.member)
      const def = o.engine.fence({ cluster, member: input.member })
      confirmed(input, `stop ${input.member} and fence it`)
      return o.planOrStart(def, input.dryRun)
    },

    async removeReplica(cluster: MariaCluster, input: z.output<typeof replicaRemoveInput>): Promise<OperationStartResult> {
      memberNamed(cluster, input.name, 'name')
      const def = o.engine.removeReplica({ cluster, member: input.name, deleteData: input.deleteData, knownDataDirs: await o.knownDataDirs(cluster.id) })
      return o.planOrStart(def, input.dryRun)
    },
  }
}

/** The settings input's fields a MariaDB cluster has (the others are PostgreSQL's or Patroni's). */
const MARIADB_SETTINGS = new Set(['cluster', 'semiSync', 'lostSync', 'relaxAfterS', 'desiredReplicas', 'replicas', 'notifyUrl', 'member', 'sync', 'priority', 'neverPromote', 'memberSettings', 'restartPrimary', 'switchBack', 'adopt', 'blockWrites', 'dryRun', 'yes'])
/** …of which these only with their default (false / true): the rest of PostgreSQL's flags have none. */
const DEFAULTED = { restartPrimary: false, switchBack: true, adopt: false, blockWrites: false } as Record<string, boolean>

/** The record with the settings given: strict is rpl_semi_sync_master_timeout at its maximum (about 49 days), available falls back after --relax-after-s. */
export function mariaSettingsOf(c: MariaCluster, input: z.output<typeof settingsInput>): MariaCluster {
  const foreign = Object.entries(input).filter(([k, v]) => v !== undefined && (!MARIADB_SETTINGS.has(k) || (k in DEFAULTED && v !== DEFAULTED[k])))
  if (foreign.length) throw new AppError('invalid_input', `${c.id} is a MariaDB cluster: ${foreign.map(([k]) => `--${k.replace(/[A-Z]/g, (x) => `-${x.toLowerCase()}`)}`).join(', ')} ${foreign.length === 1 ? 'is not a MariaDB setting' : 'are not MariaDB settings'}. MariaDB has --semi-sync, --lost-sync strict|available (with --relax-after-s), --member NAME --sync/--priority/--never-promote, --desired-replicas and --notify-url.`, { field: foreign[0]![0] })
  if (input.member === undefined && (input.sync !== undefined || input.priority !== undefined || input.neverPromote !== undefined)) throw new AppError('invalid_input', '--sync, --priority and --never-promote go with --member NAME.', { field: 'member' })
  const perMember = new Map((input.memberSettings ?? []).map((m) => [m.name, m]))
  if (input.member !== undefined) perMember.set(input.member, { name: input.member, sync: input.sync, priority: input.priority, neverPromote: input.neverPromote })
  for (const name of perMember.keys()) memberNamed(c, name, input.member === name ? 'member' : 'memberSettings')
  const timeoutMs = input.lostSync === 'strict' ? 4_294_967_295 : input.lostSync === 'available' ? (input.relaxAfterS ?? 10) * 1000 : input.relaxAfterS !== undefined ? input.relaxAfterS * 1000 : c.semiSync.timeoutMs
  const notify = input.notifyUrl === 'none' || input.notifyUrl === null ? undefined : (input.notifyUrl ?? c.notifyUrl)
  return {
    ...c,
    semiSync: { enabled: input.semiSync ?? c.semiSync.enabled, timeoutMs },
    desiredReplicas: input.desiredReplicas ?? input.replicas ?? c.desiredReplicas,
    notifyUrl: notify,
    members: c.members.map((m) => {
      const s = perMember.get(m.name)
      return s ? { ...m, sync: s.sync ?? m.sync, priority: s.priority ?? m.priority, neverPromote: s.neverPromote ?? m.neverPromote } : m
    }),
  }
}

function confirmed(input: { dryRun: boolean; yes: boolean }, what: string): void {
  if (!input.dryRun && !input.yes) throw new AppError('confirmation_required', `Confirm to ${what}: look at the plan (--dry-run), then run again with --yes.`)
}
const confirmedSettings = (input: { dryRun: boolean; yes: boolean }, id: string) => confirmed(input, `change the redundancy settings of ${id}`)

/** What a MariaDB cluster cannot do (automatic failover): said, never attempted with PostgreSQL's steps. */
export function refuseMariaDb(c: MariaCluster, what: string): never {
  throw new AppError('conflict', `${c.id} is a MariaDB cluster: ReplicaDesk cannot ${what} on MariaDB yet. Unattended failover is delegated to a proven manager, never home-made, and ReplicaDesk has none for MariaDB; a failover runs on a click (replicadesk failover ${c.id}).`)
}
