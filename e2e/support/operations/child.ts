// A second process for tests, started with tsx:
//   child.ts run DATA_DIR HOSTS_ROOT PARAMS_JSON   runs the fake operation (REPLICADESK_FAULT
//                                                   set by the test makes it SIGKILL itself)
//   child.ts resume DATA_DIR HOSTS_ROOT ID          resumes it; prints the final status or the
//                                                   refusal's error code
//   child.ts hold DATA_DIR HOSTS_ROOT CLUSTER INSTANCE TTL_SECONDS
//                                                   takes a cluster lease as another instance,
//                                                   prints "held", keeps it renewed until killed
import { createOperations } from '../../../electron/core/operations/operations'
import { loadInstanceId } from '../../../electron/core/operations/instance-id'
import { ClusterLease } from '../../../electron/core/operations/lease'
import { newOperationId } from '../../../electron/core/operations/journal'
import { createLocalHosts } from './local-hosts'
import { FAKE_MEMBERS, fakeKinds, fakeReplica } from './fake-operation'

const [mode, dataDir, hostsRoot, ...rest] = process.argv.slice(2)
if (!mode || !dataDir || !hostsRoot) throw new Error('usage: child.ts run|hold DATA_DIR HOSTS_ROOT …')
const hosts = await createLocalHosts(hostsRoot, FAKE_MEMBERS)

const operations = async () =>
  createOperations({ dataDir, instanceId: await loadInstanceId(dataDir), remote: hosts, emit: () => undefined, kinds: fakeKinds, lease: { root: 'leases' } })

if (mode === 'run') {
  const ops = await operations()
  const def = fakeReplica.create({ clusterId: 'c1', params: JSON.parse(rest[0]!), members: FAKE_MEMBERS })
  const result = await ops.runOperation(def)
  process.stdout.write(`${result.status}\n`)
} else if (mode === 'resume') {
  const ops = await operations()
  const outcome = await ops.resume(rest[0]!).then(
    (started) => started.finished.then((op) => op.status),
    (err: { code?: string }) => `refused ${err.code}`,
  )
  process.stdout.write(`${outcome}\n`)
} else if (mode === 'hold') {
  const [cluster, instanceId, ttl] = rest
  const lease = await ClusterLease.acquire({
    remote: hosts,
    clusterId: cluster!,
    members: FAKE_MEMBERS,
    instanceId: instanceId!,
    operationId: newOperationId('fake-replica'),
    root: 'leases',
    ttlSeconds: Number(ttl),
    renewEveryMs: 200,
  })
  lease.keepAlive(() => process.exit(3))
  process.stdout.write('held\n')
  setInterval(() => undefined, 1 << 30) // stay alive until the test kills us
} else {
  throw new Error(`unknown mode ${mode}`)
}
