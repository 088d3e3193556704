// One operation per cluster, then the lease, then the run: the in-process guard (the clusters
// this process runs an operation on, per instance), the cluster lease (lease.ts) across
// instances, the journal claim, and the execution in the background.
import { AppError } from '../../../shared/errors'
import type { OperationSummary } from '../../../shared/operations'
import { withOrigin } from '../activity/origin'
import { toSummary, type OperationRecord } from './journal'
import { ClusterLease, type LeaseConfig } from './lease'
import type { RemoteRunner } from './types'

/** A started operation: its state once the lease is held, and its end. */
export interface Started {
  operation: OperationSummary
  /** Resolves with the final summary, whatever the outcome (failed included). */
  finished: Promise<OperationSummary>
}

export interface LaunchTarget {
  clusterId: string
  members: readonly string[]
  operationId: string
}

/** How the journal entry becomes this process's: `first` claims it before the lease is asked for. */
export interface JournalClaim {
  first: boolean
  take(): Promise<OperationRecord>
  giveBack?(): Promise<void>
}

export interface LaunchEnv {
  instanceId: string
  remote: RemoteRunner
  lease?: LeaseConfig
}

// Shared by every Operations object of this process, keyed by instance and cluster.
const busyClusters = new Map<string, string>()

/** An operation of this instance runs (or undoes) on the cluster now: from memory, no journal read. */
export const isBusy = (instanceId: string, clusterId: string) => busyClusters.has(`${instanceId}|${clusterId}`)

function guard(instanceId: string, clusterId: string, operationId: string): () => void {
  const key = `${instanceId}|${clusterId}`
  const running = busyClusters.get(key)
  if (running) {
    throw new AppError('conflict', `Cluster ${clusterId} is busy: this ReplicaDesk is running operation ${running} on it. Wait for it to finish.`, { clusterId, operationId: running })
  }
  busyClusters.set(key, operationId)
  return () => {
    if (busyClusters.get(key) === operationId) busyClusters.delete(key)
  }
}

/**
 * Guard, lease and journal claim, then execution in the background. A new operation takes
 * the lease first (nothing is journaled for a refusal). Resume and abandon claim the journal
 * entry first: this instance may take back its own lease for that operation, so only the
 * journal's lock tells two of its processes apart; a refused lease gives the entry back.
 */
export function launch(env: LaunchEnv, target: LaunchTarget, claim: JournalClaim, execute: (lease: ClusterLease, record: OperationRecord) => Promise<OperationSummary>): Promise<Started> {
  // The lease and every step's command are the operation's in the activity log.
  return withOrigin('operation', () => launchNow(env, target, claim, execute))
}

async function launchNow(env: LaunchEnv, target: LaunchTarget, claim: JournalClaim, execute: (lease: ClusterLease, record: OperationRecord) => Promise<OperationSummary>): Promise<Started> {
  const release = guard(env.instanceId, target.clusterId, target.operationId)
  let claimed: OperationRecord | undefined
  try {
    if (claim.first) claimed = await claim.take()
    const lease = await ClusterLease.acquire({ ...env.lease, ...target, remote: env.remote, instanceId: env.instanceId })
    let record: OperationRecord
    try {
      record = claimed ?? (await claim.take())
    } catch (err) {
      await lease.release().catch(() => undefined)
      throw err
    }
    const finished = execute(lease, record).finally(async () => {
      await lease.release().catch(() => undefined) // unreachable members let it expire
      release()
    })
    return { operation: toSummary(record), finished }
  } catch (err) {
    if (claimed) await claim.giveBack?.()
    release()
    throw err
  }
}
