// The handler behind every contract method: each one a call into the part of the core that
// owns it. Changes of the host records republish the full list (small, and a client that
// missed an event heals); cluster changes are published by the cluster service.
import { toErrorData } from '../../shared/errors'
import { postgresHostProbe } from './engines/postgres'
import { mariadbHostProbe } from './engines/mariadb'
import type { ActivityLog } from './activity'
import type { ClusterService } from './clusters/cluster-service'
import { hostCandidates } from './clusters/candidates'
import type { ClustersStore } from './clusters/clusters-store'
import type { Handlers } from './dispatch'
import type { CoreEvents } from './events'
import type { HealthService } from './health/service'
import type { HostAccess } from './hosts/access'
import type { HostSetup } from './hosts/prepare/service'
import { connectionsOf } from './hosts/connections'
import type { HostsStore } from './hosts/hosts-store'
import { targetOf } from './hosts/targets'
import type { LiveStatus } from './live-status'
import type { Operations, Started } from './operations'
import type { SecretBroker } from './secrets/secret-broker'
import type { SshService } from './ssh'
import { version } from './version'

interface HandlerDeps {
  dataDir: string
  events: CoreEvents
  hosts: HostsStore
  access: HostAccess
  ssh: SshService
  clusters: ClusterService
  clustersStore: ClustersStore
  live: LiveStatus
  ops: Operations
  secrets: SecretBroker
  activity: ActivityLog
  health: HealthService
  setup: HostSetup
  /** Keeps a started operation's end (closing the core waits for its lease release). */
  track(finished: Promise<unknown>): void
}

export function createHandlers(d: HandlerDeps): Handlers {
  const { hosts, ssh, clusters, ops } = d
  const publishHosts = async <T>(result: T): Promise<T> => {
    await d.access.refresh()
    d.events.emit('hostsChanged', { hosts: await hosts.list() })
    return result
  }
  const targetNamed = async (name: string) => {
    const all = await hosts.list()
    return targetOf(await hosts.get(name), all)
  }
  const watch = (started: Started) => {
    d.track(started.finished)
    return started.operation
  }

  return {
    app: {
      info: async () => ({ name: 'ReplicaDesk' as const, version, dataDir: d.dataDir }),
    },
    host: {
      list: () => hosts.list(),
      add: (input) => hosts.add(input).then(publishHosts),
      edit: (input) => hosts.edit(input).then(publishHosts),
      remove: ({ name }) => hosts.remove(name).then(() => publishHosts({ removed: name })),
      // The same checks as host prepare; a check that cannot run does not fail the connection test.
      test: async ({ name }) => {
        const tested = { ...(await ssh.test(await targetNamed(name), postgresHostProbe, mariadbHostProbe)), name }
        return d.setup.checks(name).then((prepare) => ({ ...tested, prepare }), (err: unknown) => ({ ...tested, prepareError: toErrorData(err) }))
      },
      trust: async ({ name, fingerprint }) => {
        const key = await ssh.trust(await targetNamed(name), fingerprint)
        return { name, fingerprint: key.fingerprint, keyType: key.keyType, addedAt: key.addedAt }
      },
      prepare: (input) => d.setup.prepare(input),
      clean: (input) => d.setup.clean(input),
      connections: async () => connectionsOf(ssh, await hosts.list()),
      importable: () => ssh.listConfigHosts(),
    },
    cluster: {
      list: () => clusters.list(),
      detect: ({ host, engine }) => clusters.detect(host, engine),
      create: (input) => clusters.create(input),
      adopt: (input) => clusters.create({ ...input, mode: 'adopt' }),
      switchover: (input) => clusters.switchover(input),
      failover: (input) => clusters.failover(input),
      rejoin: (input) => clusters.rejoin(input),
      fence: (input) => clusters.fence(input),
      settings: (input) => clusters.settings(input),
      automatic: (input) => clusters.automatic(input),
      candidates: async ({ cluster }) => {
        const all = await d.clustersStore.list()
        return hostCandidates(await d.clustersStore.get(cluster), all, await hosts.list())
      },
      forget: ({ cluster }) => clusters.forget(cluster),
    },
    status: {
      get: async ({ cluster }) => d.live.read(await d.clustersStore.getAny(cluster)),
      history: async ({ cluster, seconds }) => d.live.service.history((await d.clustersStore.getAny(cluster)).id, seconds),
    },
    health: {
      get: async ({ cluster }) => d.health.get((await d.clustersStore.getAny(cluster)).id),
      history: async ({ cluster, seconds }) => d.health.history((await d.clustersStore.getAny(cluster)).id, seconds),
    },
    replica: {
      add: (input) => clusters.addReplica(input),
      remove: (input) => clusters.removeReplica(input),
    },
    operation: {
      list: async ({ cluster }) => (await ops.listOperations()).filter((op) => !cluster || op.clusterId === cluster),
      get: ({ id }) => ops.getOperation(id),
      resume: async ({ id }) => watch(await ops.resume(id)),
      abandon: async ({ id }) => watch(await ops.abandon(id)),
    },
    secret: {
      pending: async () => d.secrets.pending(),
      answer: async ({ id, value, remember }) => {
        await d.secrets.answer(id, value, remember)
        return { answered: id }
      },
    },
    activity: {
      list: async ({ limit, host }) => d.activity.list({ limit, host }),
    },
  }
}
