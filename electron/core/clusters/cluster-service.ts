// The cluster methods of the contract: records in, operations out. Every action is an
// operation of the engine, planned (dry run) or started under the cluster lease.
import type { z } from 'zod'
import type { clusterCreateInput, replicaAddInput, replicaRemoveInput } from '../../../shared/clusters'
import type { Host } from '../../../shared/hosts'
import type { OperationStartResult } from '../../../shared/operations'
import { pgMember, type PgCluster, type PgMember } from '../../../shared/postgres'
import { AppError } from '../../../shared/errors'
import type { PostgresEngine } from '../engines/postgres'
import type { HostsStore } from '../hosts/hosts-store'
import type { Operations } from '../operations'
import type { OperationDefinition } from '../operations'
import type { ClustersStore } from './clusters-store'

type Placement = Pick<z.output<typeof replicaAddInput>, 'host' | 'pgdata' | 'port' | 'address' | 'layout' | 'debianName' | 'sync' | 'priority' | 'neverPromote'>

/** A login as postgres runs the tools directly; any other login goes through `sudo -n -u postgres`. */
export const accessOf = (host: Pick<Host, 'user'>): PgMember['access'] => (host.user === 'postgres' ? 'postgres' : 'sudo')

export interface ClusterServiceOptions {
  store: ClustersStore
  hosts: HostsStore
  engine: PostgresEngine
  ops: Operations
  /** Called after every change of the records. */
  changed: () => void
  /** Keeps a started operation's end, so that closing the core waits for its lease release. */
  track: (finished: Promise<unknown>) => void
}

export function createClusterService(o: ClusterServiceOptions) {
  const memberFrom = async (name: string, p: Placement): Promise<PgMember> => {
    const host = await o.hosts.get(p.host)
    const { pgdata, ...rest } = p
    return pgMember.parse({ ...rest, dataDir: pgdata, name, host: host.name, address: p.address ?? host.address, access: accessOf(host) })
  }

  /** Dry run, or start and record. `record` runs only once the lease is held and the operation runs. */
  const planOrStart = async (def: OperationDefinition<unknown>, dryRun: boolean, record: () => Promise<unknown>): Promise<OperationStartResult> => {
    if (dryRun) return { dryRun: true, plan: await o.ops.plan(def) }
    const started = await o.ops.start(def)
    o.track(started.finished)
    await record()
    o.changed()
    return { dryRun: false, operation: started.operation }
  }

  return {
    list: () => o.store.list(),

    async detect(hostName: string) {
      const host = await o.hosts.get(hostName)
      return o.engine.detect(host.name, accessOf(host))
    },

    async create(input: z.output<typeof clusterCreateInput>): Promise<OperationStartResult> {
      const existing = await o.store.list()
      if (existing.some((c) => c.id === input.cluster)) {
        throw new AppError('conflict', `A cluster named "${input.cluster}" exists already. Pick another name, or forget the old record.`, { field: 'cluster' })
      }
      const primary = await memberFrom(input.member, input)
      const major = input.major ?? (await newestMajor(o.engine, primary))
      const cluster = o.engine.parseCluster({ id: input.cluster, major, sync: { method: input.syncMethod, num: input.syncNum }, members: [primary] })
      const def = o.engine.createCluster({ cluster, primary: primary.name, mode: input.mode })
      return planOrStart(def, input.dryRun, () => o.store.update(cluster.id, () => cluster))
    },

    async forget(id: string) {
      await o.store.get(id)
      await o.store.update(id, () => undefined)
      o.changed()
      return { forgotten: id }
    },

    async addReplica(input: z.output<typeof replicaAddInput>): Promise<OperationStartResult> {
      const cluster = await o.store.get(input.cluster)
      const member = await memberFrom(input.name, input)
      const next: PgCluster = o.engine.parseCluster({ ...cluster, members: [...cluster.members, member] })
      const def = o.engine.addReplica({ cluster: next, member: member.name, overwrite: input.overwrite })
      return planOrStart(def, input.dryRun, () => o.store.update(cluster.id, () => next))
    },

    async removeReplica(input: z.output<typeof replicaRemoveInput>): Promise<OperationStartResult> {
      const cluster = await o.store.get(input.cluster)
      if (!cluster.members.some((m) => m.name === input.name)) {
        throw new AppError('not_found', `Cluster ${cluster.id} has no member named ${input.name}.`, { field: 'name' })
      }
      const def = o.engine.removeReplica({ cluster, member: input.name, deleteData: input.deleteData })
      // The member leaves the record when the removal succeeds (cluster-records.ts).
      return planOrStart(def, input.dryRun, async () => undefined)
    },
  }
}

async function newestMajor(engine: PostgresEngine, member: PgMember): Promise<string> {
  const found = await engine.detect(member.host, member.access)
  const majors = found.versions.map((v) => v.major).sort((a, b) => Number(b) - Number(a))
  if (!majors[0]) {
    throw new AppError('preflight_failed', `No PostgreSQL is installed on ${member.host} (nothing in /usr/lib/postgresql). Install it (apt-get install postgresql) and try again.`)
  }
  return majors[0]
}
