// The redundancy settings the PostgreSQL engine acts on, as the cluster record names them
// (shared/postgres.ts): synchronous replication ANY k / FIRST k with synchronous_commit's
// levels, per-member sync / priority / never-promote, and a stale primary rejoins by pg_rewind.
import { synchronousCommit } from '../../../../shared/postgres'
import type { EngineCapabilities } from '../engine'

export const postgresCapabilities: EngineCapabilities = {
  syncMethods: ['ANY', 'FIRST'],
  commitLevels: synchronousCommit.options,
  memberSettings: ['sync', 'priority', 'neverPromote'],
  clusterSettings: ['sync', 'synchronousCommit', 'maxLagBytes', 'walKeepSize', 'slotWalCap', 'maxWalSenders', 'maxReplicationSlots', 'desiredReplicas'],
  rejoinWithoutCopy: true,
}
