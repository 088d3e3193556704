// `replicadesk status CLUSTER`: members as a table, and a split brain as a banner and exit code 4.
import { clusterStatus, type ClusterStatus } from '../../shared/status'

export { formatStatus, SPLIT_BRAIN_EXIT, splitBrainBanner } from './status-format'

export function asClusterStatus(value: unknown): ClusterStatus | undefined {
  const r = clusterStatus.safeParse(value)
  return r.success ? r.data : undefined
}
