// The core: one per process (desktop, headless server or standalone CLI). It owns the data
// dir, the SSH connections and the handlers behind every contract method. This file is the
// composition root only: it builds the parts and wires them together, in start and shutdown
// order; what they do lives in them (handlers.ts, live-status.ts, clusters/, hosts/access.ts).
import { prepareDataDir } from './store/data-dir-access'
import { storeAccessError } from './store/fs-errors'
import { ActivityLog } from './activity'
import { createDispatch, type Dispatch } from './dispatch'
import { CoreEvents } from './events'
import { createHandlers } from './handlers'
import { createInFlight } from './in-flight'
import { createLiveStatus } from './live-status'
import { HostAccess } from './hosts/access'
import { watchConnections } from './hosts/connections'
import { HostsStore } from './hosts/hosts-store'
import { hostSetupKinds } from './hosts/prepare/kinds'
import { createHostSetup } from './hosts/prepare/service'
import { targetOf } from './hosts/targets'
import type { SecretCipher } from './secrets/cipher'
import { RememberedSecrets } from './secrets/remembered-secrets'
import { createSecretBroker } from './secrets/secret-broker'
import { createSshService, type SshService, type SshServiceOptions } from './ssh'
import { createClusterService } from './clusters/cluster-service'
import { ClustersStore } from './clusters/clusters-store'
import { createFenceWatcher } from './clusters/fence-watcher'
import { FenceMarks } from './clusters/fencing'
import { applyOperationOutcome } from './clusters/record-effects'
import { remoteRunnerOf, sshHostExec } from './engines/host-exec'
import { createPostgresEngine, relaxSync, restoreSync, syncUnmet } from './engines/postgres'
import { createMariaDbEngine } from './engines/mariadb'
import { isMariaDb, type ClusterRecord } from '../../shared/cluster-record'
import { createSyncGuard } from './clusters/sync-guard'
import { createServiceAddress } from './address'
import { createOperations, loadInstanceId } from './operations'
import { createStatusService, PositionStore, readStatusOnce } from './status'
import { sshSettingsFromEnv } from './ssh-settings'
import { wireHealth } from './wire-health'

interface CoreOptions {
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
  const mariadb = createMariaDbEngine({ hosts: hostExec })
  const clustersStore = new ClustersStore(dataDir)
  const address = createServiceAddress(hostExec)
  const live = createLiveStatus({
    // The status wiring: the service, the members it reads for a record, a read without the service.
    service: createStatusService({ ssh, dataDir, source: postgres.status, log: (message, err) => activity.notice('status', message, err) }),
    membersOf: (c, targetOf) => (isMariaDb(c) ? mariadb.statusMembers(c, targetOf) : postgres.statusMembers(c, targetOf)),
    readOnce: (input) => readStatusOnce(ssh, input, { source: postgres.status, positions: new PositionStore(dataDir), log: (message, err) => activity.notice('status', message, err) }),
    hosts,
    events,
    live: !!options.live,
  })
  const { health, stop: stopHealth } = wireHealth({ store: clustersStore, hosts, live, hostExec, events, activity, address, engine: postgres, busy: (id) => ops.isBusy(id) })
  const fenceMarks = new FenceMarks()
  // Every change republishes the full list: small, and a client that missed an event heals.
  const follow = (clusters: readonly ClusterRecord[]) => {
    fenceMarks.follow(clusters)
    live.follow(clusters)
    // A record change (settings, members, fence marks) may change the verdict of either engine (a standalone CLI computes it only when asked).
    if (options.live) for (const c of clusters) health.changed(c.id)
  }
  const publishClusters = () => {
    void clustersStore.listAll().then((clusters) => {
      events.emit('clustersChanged', { clusters })
      follow(clusters)
    }, () => undefined)
  }
  const access = new HostAccess(hosts)
  await access.refresh()
  const hostKinds = hostSetupKinds(hostExec)
  const ops = createOperations({
    dataDir,
    instanceId: await loadInstanceId(dataDir),
    remote: remoteRunnerOf(hostExec),
    kinds: { ...postgres.kinds, ...mariadb.kinds, ...hostKinds.factories },
    // Outside every data dir, writable by postgres on any Debian-style box without root.
    lease: { root: '/var/lib/postgresql/.replicadesk/leases', sudo: access.sudoFor },
    // MariaDB members are reached by an admin login: the lease lives in /var/lib/replicadesk, as root.
    kindLeases: { ...hostKinds.leases, ...Object.fromEntries(Object.keys(mariadb.kinds).map((k) => [k, { sudo: true }])) },
    emit: (e) => {
      if (e.type === 'progress') return events.emit('operationProgress', { operationId: e.operationId, clusterId: e.clusterId, progress: e.progress })
      events.emit('operationChanged', { operation: e.operation })
      live.afterOperation(e.operation)
      void applyOperationOutcome(clustersStore, e.operation).then((changed) => changed && publishClusters(), () => undefined)
    },
  })
  const inFlight = createInFlight()
  const clusters = createClusterService({
    store: clustersStore,
    hosts,
    engine: postgres,
    mariadb,
    ops,
    changed: publishClusters,
    track: inFlight.track,
    address,
    status: { snapshot: live.snapshot, lastPrimary: (id) => live.service.lastPrimary(id) },
  })
  const fenceWatcher = createFenceWatcher({
    cluster: (id) => clustersStore.findAny(id),
    snapshot: live.snapshot,
    fencedOf: fenceMarks.of,
    busy: (id) => ops.isBusy(id),
    fence: (c, member, upstream) => (isMariaDb(c) ? mariadb.fenceNow(c, member, upstream, 'fenced member seen again') : postgres.fenceNow(c, member, upstream, 'fenced member seen again')),
    log: (message, err) => activity.notice('fence-watcher', message, err),
  })
  const syncGuard = createSyncGuard({
    store: clustersStore,
    snapshot: live.snapshot,
    busy: (id) => ops.isBusy(id),
    unmet: syncUnmet,
    relax: (c, primary) => relaxSync(hostExec, c, primary),
    restore: (c, primary) => restoreSync(hostExec, c, primary),
    log: (message, err) => activity.notice('sync-guard', message, err),
    changed: publishClusters,
  })
  const stopFenceWatch = live.service.onEvent((e) => {
    fenceWatcher.onEvent(e)
    if (e.name === 'statusChanged') void syncGuard.check(e.payload.cluster)
  })
  await ops.recoverInterrupted()
  // A damaged clusters.json is left in place and reported by cluster.list and status.get.
  follow(await clustersStore.listAll().catch(() => []))
  const stopConnections = watchConnections(ssh, () => hosts.list(), (c) => events.emit('hostConnection', c))
  const handlers = createHandlers({ dataDir, events, hosts, access, ssh, clusters, clustersStore, live, ops, secrets, activity, health, track: inFlight.track, setup: createHostSetup({ ssh, hosts, exec: hostExec, clusters: clustersStore, ops, kinds: hostKinds, track: inFlight.track }) })

  return {
    dataDir,
    dispatch: createDispatch(handlers),
    events,
    ssh,
    close: async () => {
      // Operations first (each releases its lease), then what feeds events, then the connections.
      await inFlight.settled()
      stopFenceWatch()
      stopHealth()
      await live.close()
      stopConnections()
      stopActivity()
      await ssh.close()
      // The commands ran; a log that could not be written (read-only data dir) is said, not fatal.
      await activity.flush().catch((err: unknown) => console.warn(`ReplicaDesk: the commands ran, but they are not in the activity log. ${storeAccessError(activity.file, err, 'Writing the activity log').message}`))
    },
  }
}
