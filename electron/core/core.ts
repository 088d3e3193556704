// The core: one per process (desktop, headless server or standalone CLI). It owns the data
// dir, the SSH connections and the handlers behind every contract method.
import { prepareDataDir } from './store/data-dir-access'
import { storeAccessError } from './store/fs-errors'
import { ActivityLog } from './activity'
import { createDispatch, type Dispatch, type Handlers } from './dispatch'
import { CoreEvents } from './events'
import { connectionsOf, watchConnections } from './hosts/connections'
import { HostsStore } from './hosts/hosts-store'
import { targetOf } from './hosts/targets'
import type { SecretCipher } from './secrets/cipher'
import { RememberedSecrets } from './secrets/remembered-secrets'
import { createSecretBroker } from './secrets/secret-broker'
import { createSshService, type SshService, type SshServiceOptions } from './ssh'
import { applyOperationOutcome } from './clusters/cluster-records'
import { createClusterService } from './clusters/cluster-service'
import { ClustersStore } from './clusters/clusters-store'
import { remoteRunnerOf, sshHostExec } from './engines/host-exec'
import { createPostgresEngine } from './engines/postgres'
import { createOperations, loadInstanceId, type Started } from './operations'
import { createStatusService, membersFrom, PositionStore, readStatusOnce } from './status'
import { createFenceWatcher } from './clusters/fence-watcher'
import { AppError } from '../../shared/errors'
import type { PgCluster } from '../../shared/postgres'
import { sshSettingsFromEnv } from './ssh-settings'
import { version } from './version'

export interface CoreOptions {
  dataDir: string
  /** The OS keychain, for secrets the user asks to remember (desktop only). */
  cipher?: SecretCipher
  /** Collect live status of every cluster (desktop and headless); a standalone CLI reads once. */
  live?: boolean
  /** SSH settings that differ from the user's defaults (~/.ssh/config, known_hosts, agent). */
  ssh?: Omit<SshServiceOptions, 'dataDir' | 'activityLog'>
}

export interface Core {
  dataDir: string
  dispatch: Dispatch
  events: CoreEvents
  ssh: SshService
  close(): Promise<void>
}

export async function createCore(options: CoreOptions): Promise<Core> {
  const { dataDir } = options
  // A file in its place is an error; a read-only one is read (writes then say why they fail).
  await prepareDataDir(dataDir)
  const events = new CoreEvents()
  const hosts = new HostsStore(dataDir)
  const activity = new ActivityLog({ dataDir })
  await activity.load().catch((err: unknown) => {
    throw storeAccessError(activity.file, err, 'Reading the activity log')
  })
  const secrets = createSecretBroker({
    remembered: new RememberedSecrets(dataDir, options.cipher),
    emit: (request) => events.emit('secretRequested', request),
    emitDone: (id) => events.emit('secretSettled', { id }),
  })
  const ssh = createSshService({ ...sshSettingsFromEnv(), secretPrompt: secrets.prompt, ...options.ssh, dataDir, activityLog: activity })
  const stopActivity = activity.onEntry((entry) => events.emit('activity', entry))

  // Engines run commands by host record name, through the same pooled connections.
  const hostExec = sshHostExec(ssh, async (name) => targetOf(await hosts.get(name), await hosts.list()))
  const postgres = createPostgresEngine({ hosts: hostExec })
  const clustersStore = new ClustersStore(dataDir)
  const status = createStatusService({ ssh, dataDir })
  const stopStatusEvents = status.onEvent((e) => (e.name === 'statusChanged' ? events.emit('statusChanged', e.payload) : events.emit('splitBrain', e.payload)))
  const statusInputOf = async (cluster: PgCluster) => {
    const all = await hosts.list()
    const byName = new Map(all.map((h) => [h.name, h]))
    return membersFrom(cluster, (name) => {
      const h = byName.get(name)
      if (!h) throw new AppError('not_found', `Cluster ${cluster.id} names host "${name}", which is not a host record. Add it again.`)
      return targetOf(h, all)
    })
  }
  // Live collection follows the records: started for new clusters, restarted with new members.
  const collecting = new Map<string, string>()
  // Fenced members per cluster, kept with the published records (the fence watcher asks on every status event).
  const fencedByCluster = new Map<string, readonly string[]>()
  const syncCollectors = async (clusters: PgCluster[]) => {
    fencedByCluster.clear()
    for (const c of clusters) if (c.fenced.length) fencedByCluster.set(c.id, c.fenced)
    if (!options.live) return
    for (const c of clusters) {
      const shape = JSON.stringify(c.members)
      if (collecting.get(c.id) === shape) continue
      collecting.set(c.id, shape)
      void statusInputOf(c).then((input) => status.start(input)).catch(() => collecting.delete(c.id))
    }
    for (const id of collecting.keys()) {
      if (!clusters.some((c) => c.id === id)) {
        collecting.delete(id)
        void status.stop(id)
      }
    }
  }
  const publishClusters = () => {
    void clustersStore.list().then((clusters) => {
      events.emit('clustersChanged', { clusters })
      return syncCollectors(clusters)
    }, () => undefined)
  }
  // The lease's sudo choice is synchronous: keep the login user of each host at hand.
  const hostUsers = new Map<string, string>()
  const rememberUsers = async () => {
    // A damaged hosts.json is left in place and reported by every call that needs it (host.list…).
    for (const h of await hosts.list().catch(() => [])) hostUsers.set(h.name, h.user)
  }
  await rememberUsers()
  const ops = createOperations({
    dataDir,
    instanceId: await loadInstanceId(dataDir),
    remote: remoteRunnerOf(hostExec),
    kinds: postgres.kinds,
    lease: {
      // Outside every data dir, writable by postgres on any Debian-style box without root.
      root: '/var/lib/postgresql/.replicadesk/leases',
      sudo: (host) => (hostUsers.get(host) === 'postgres' ? undefined : 'postgres'),
    },
    emit: (e) => {
      if (e.type === 'progress') return events.emit('operationProgress', { operationId: e.operationId, clusterId: e.clusterId, progress: e.progress })
      events.emit('operationChanged', { operation: e.operation })
      void applyOperationOutcome(clustersStore, e.operation).then((changed) => changed && publishClusters(), () => undefined)
    },
  })
  // Operations run on after the call that started them; closing waits until each has released
  // its cluster lease (a standalone CLI would otherwise leave it held until it expires).
  const running = new Set<Promise<unknown>>()
  const track = (finished: Promise<unknown>) => {
    const settled = finished.catch(() => undefined) // failures are journaled and sent as events
    running.add(settled)
    void settled.then(() => running.delete(settled))
  }
  const clusters = createClusterService({
    store: clustersStore,
    hosts,
    engine: postgres,
    ops,
    changed: publishClusters,
    track,
    status: {
      snapshot: (id) => {
        if (!collecting.has(id)) return null
        try {
          return status.get(id)
        } catch {
          return null // not started yet
        }
      },
      lastPrimary: (id) => status.lastPrimary(id),
    },
  })
  const fenceWatcher = createFenceWatcher({
    cluster: (id) => clustersStore.get(id).catch(() => null),
    snapshot: (id) => {
      try {
        return collecting.has(id) ? status.get(id) : null
      } catch {
        return null // not started yet
      }
    },
    fencedOf: (id) => fencedByCluster.get(id) ?? [],
    busy: (id) => ops.isBusy(id),
    fence: (c, member, upstream) => postgres.fenceNow(c, member, upstream, 'fenced member seen again'),
    log: (message, err) => console.warn(`ReplicaDesk: ${message}${err ? `: ${(err as Error).message}` : ''}`),
  })
  const stopFenceWatch = status.onEvent((e) => {
    // Heartbeats change nothing; snapshots and diffs may show a fenced member back.
    if (e.name === 'statusChanged' && e.payload.kind !== 'heartbeat') void fenceWatcher.onStatus(e.payload.cluster).catch((err: unknown) => console.warn(`ReplicaDesk: fence watcher: ${(err as Error).message}`))
  })
  await ops.recoverInterrupted()
  // A damaged clusters.json is left in place and reported by cluster.list and status.get.
  await syncCollectors(await clustersStore.list().catch(() => []))
  const stopConnections = watchConnections(ssh, () => hosts.list(), (c) => events.emit('hostConnection', c))

  // Every change republishes the full list: small, and a client that missed an event heals.
  const publishHosts = async <T>(result: T): Promise<T> => {
    await rememberUsers()
    events.emit('hostsChanged', { hosts: await hosts.list() })
    return result
  }
  const targetNamed = async (name: string) => {
    const all = await hosts.list()
    return targetOf(await hosts.get(name), all)
  }

  const watch = (started: Started) => {
    track(started.finished)
    return started.operation
  }

  const handlers: Handlers = {
    app: {
      info: async () => ({ name: 'ReplicaDesk' as const, version, dataDir }),
    },
    host: {
      list: () => hosts.list(),
      add: (input) => hosts.add(input).then(publishHosts),
      edit: (input) => hosts.edit(input).then(publishHosts),
      remove: ({ name }) => hosts.remove(name).then(() => publishHosts({ removed: name })),
      test: async ({ name }) => ({ ...(await ssh.test(await targetNamed(name))), name }),
      trust: async ({ name, fingerprint }) => {
        const key = await ssh.trust(await targetNamed(name), fingerprint)
        return { name, fingerprint: key.fingerprint, keyType: key.keyType, addedAt: key.addedAt }
      },
      connections: async () => connectionsOf(ssh, await hosts.list()),
      importable: () => ssh.listConfigHosts(),
    },
    cluster: {
      list: () => clusters.list(),
      detect: ({ host }) => clusters.detect(host),
      create: (input) => clusters.create(input),
      adopt: (input) => clusters.create({ ...input, mode: 'adopt' }),
      switchover: (input) => clusters.switchover(input),
      failover: (input) => clusters.failover(input),
      rejoin: (input) => clusters.rejoin(input),
      fence: (input) => clusters.fence(input),
      forget: ({ cluster }) => clusters.forget(cluster),
    },
    status: {
      get: async ({ cluster }) => {
        const record = await clustersStore.get(cluster)
        if (collecting.has(record.id)) {
          try {
            return status.get(record.id)
          } catch {
            // not started yet: read once below
          }
        }
        return readStatusOnce(ssh, await statusInputOf(record), { positions: new PositionStore(dataDir) })
      },
      history: async ({ cluster, seconds }) => status.history((await clustersStore.get(cluster)).id, seconds),
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
      pending: async () => secrets.pending(),
      answer: async ({ id, value, remember }) => {
        await secrets.answer(id, value, remember)
        return { answered: id }
      },
    },
    activity: {
      list: async ({ limit, host }) => activity.list({ limit, host }),
    },
  }

  return {
    dataDir,
    dispatch: createDispatch(handlers),
    events,
    ssh,
    close: async () => {
      await Promise.all(running)
      stopStatusEvents()
      stopFenceWatch()
      await status.close()
      stopConnections()
      stopActivity()
      await ssh.close()
      // The commands ran; a log that could not be written (read-only data dir) is said, not fatal.
      await activity.flush().catch((err: unknown) => console.warn(`ReplicaDesk: the commands ran, but they are not in the activity log. ${storeAccessError(activity.file, err, 'Writing the activity log').message}`))
    },
  }
}
