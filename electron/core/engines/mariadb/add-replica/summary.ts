// The plain sentences an add-replica plan opens with: who becomes a replica of whom, what is
// copied and how long it should take (the primary's datadir size read now: an estimate), how
// the copy travels, that writes do not pause and nothing can be lost.
import type { HostExec } from '../../host-exec'
import { copySizeOf } from '../copy'
import { memberOf } from '../model'
import { locate, addReplicaOp } from './context'
import type { AddReplicaParams } from './params'

/** The rate a copy is estimated at: a 1 Gbit/s network, which a home lab's disks usually keep up with. */
const COPY_BYTES_PER_SECOND = 100e6
/** How long the size read for a summary may take before the summary says "unknown". */
const SIZE_READ_MS = 4000

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(bytes < 10e6 ? 1 : 0)} MB`
const about = (s: number) => (s < 1 ? 'under a second' : s < 90 ? `about ${Math.round(s)} s` : `about ${Math.round(s / 60)} min`)

/** Pure: the sentences for a size (null: it could not be read now). */
export function addReplicaSentences(p: AddReplicaParams, sizeBytes: number | null): string[] {
  const m = memberOf(p.cluster, p.member)
  const size = sizeBytes === null ? 'its size could not be read now (about 10 s per GB at 100 MB/s)' : `about ${mb(sizeBytes)}, ${about(sizeBytes / COPY_BYTES_PER_SECOND)} at 100 MB/s (a slower disk or network takes longer)`
  return [
    `${m.name} on ${m.host} becomes a new read-only replica of cluster ${p.cluster.id} (server_id ${m.serverId}, port ${m.port}), replicating from its primary by GTID.`,
    `The primary's data is copied to ${m.host}:${m.dataDir} with mariadb-backup, streamed through ReplicaDesk's own SSH connections (no port opens between the hosts): ${size}.${p.overwrite && p.overwriteUnrelated ? ` What is in ${m.dataDir} now is deleted first (you confirmed it).` : ''}`,
    'Writes go on during the copy; commits wait only a moment at its end, while mariadb-backup records the position (BACKUP STAGE BLOCK_COMMIT). Nothing can be lost.',
    `On the primary: a replication account for ${m.address} (the cluster's password, which stays on the servers). Done when ${m.name} runs both replication threads and has caught up.`,
  ]
}

/** The primary's copy size read now, bounded: null when it cannot be read in time. */
export async function copySizeForPlan(hosts: HostExec, p: AddReplicaParams): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), SIZE_READ_MS)))
  const read = (async () => {
    const op = addReplicaOp({ exec: (h, argv, o) => hosts.exec(h, argv, o), pipe: () => Promise.reject(new Error('a plan copies nothing')) }, p)
    return copySizeOf((await locate(op)).primary)
  })().catch(() => null)
  return Promise.race([read, late]).finally(() => clearTimeout(timer))
}

/** The plan's summary (reads the size; never fails). */
export async function addReplicaSummary(hosts: HostExec, p: AddReplicaParams): Promise<string[]> {
  return addReplicaSentences(p, await copySizeForPlan(hosts, p))
}
