// MariaDB role changes (switchover, failover, rejoin, fence) come
// with issue 24. Until then each is an operation kind whose pre-flight refuses with what to do
// by hand, so every caller gets a plan and a clear answer instead of PostgreSQL's steps.
import { z } from 'zod'
import { defineOperationKind } from '../../operations'
import { mariaError } from './errors'
import { mariaCluster } from './model'

/** The params of a refused operation: the cluster, and whatever the caller gave (journaled as is). */
const refusedParams = z.object({ cluster: mariaCluster }).passthrough()

const BY_HAND: Record<string, { title: string; byHand: string }> = {
  switchover: { title: 'Switchover', byHand: 'stop writes to the primary, wait until the replica has executed its gtid_binlog_pos (SELECT MASTER_GTID_WAIT(pos)), STOP SLAVE and RESET SLAVE ALL on it, SET GLOBAL read_only = OFF, then CHANGE MASTER TO … MASTER_USE_GTID=slave_pos on the others' },
  failover: { title: 'Failover', byHand: 'pick the replica with the most advanced gtid_current_pos, STOP SLAVE; RESET SLAVE ALL there, SET GLOBAL read_only = OFF, point the other replicas at it with CHANGE MASTER TO … MASTER_USE_GTID=slave_pos, and keep the old primary stopped' },
  rejoin: { title: 'Rejoin', byHand: 'remove the member and add it again as a replica (a fresh copy)' },
  fence: { title: 'Fence', byHand: 'stop the member (systemctl stop mariadb, or stop its mariadbd) and keep it stopped' },
}

export type RefusedOperation = keyof typeof BY_HAND

export function refusedKind(what: RefusedOperation) {
  const { title, byHand } = BY_HAND[what]!
  return defineOperationKind({
    kind: `mariadb-${what}`,
    params: refusedParams,
    build: ({ params }) => ({
      title: `${title} of ${params.cluster.id}`,
      summary: () => [`${title} is not available for MariaDB clusters yet (issue 24); the pre-flight refuses and nothing changes. By hand: ${byHand}.`],
      steps: [
        {
          id: 'preflight',
          title: `${title}: MariaDB role changes are not available yet`,
          hosts: [],
          plan: () => [],
          check: async () => false,
          run: async () => {
            throw mariaError('not_supported', `MariaDB role changes are not available yet (issue 24): ReplicaDesk cannot run "${title}" on ${params.cluster.id}. By hand: ${byHand}. ReplicaDesk's status shows the result.`, { operation: what })
          },
        },
      ],
    }),
  })
}
