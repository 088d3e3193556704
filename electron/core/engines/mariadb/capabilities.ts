// The redundancy settings the MariaDB engine acts on, as its record names them
// (shared/mariadb.ts): no ANY/FIRST methods — semi-synchronous replication waits for one
// replica, whichever acknowledges first (AFTER_SYNC); per-member sync / priority /
// never-promote; a stale former primary comes back only from a fresh copy.
import type { EngineCapabilities } from '../engine'

export const mariadbCapabilities: EngineCapabilities = {
  syncMethods: [],
  commitLevels: ['AFTER_SYNC'],
  memberSettings: ['sync', 'priority', 'neverPromote'],
  clusterSettings: ['semiSync', 'desiredReplicas'],
  rejoinWithoutCopy: false,
}
