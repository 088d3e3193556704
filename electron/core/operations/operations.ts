// The operations service the core owns: start, dry-run, list, resume and abandon journaled
// operations; find the ones a crashed process left running. One operation per cluster: an
// in-process guard here, the cluster lease (lease.ts) across instances.
import { hostname } from 'node:os'
import { AppError } from '../../../shared/errors'
import type { OperationEvent, OperationPlan, OperationStatus, OperationSummary } from '../../../shared/operations'
import { planOperation, validateDefinition } from './definition'
import { faultFromEnv } from './fault'
import { isReadOnlyError } from '../store/fs-errors'
import { Journal, newOperationId, toSummary, type OperationRecord, type OwnerRecord } from './journal'
import { damagedSummary } from './journal-damage'
import { ClusterLease, type LeaseConfig } from './lease'
import { currentProcess, isAlive } from './process-identity'
import { executeBackward, executeForward, type ExecutionEnv } from './runner'
import type { FaultPoint, OperationDefinition, OperationFactory, RemoteRunner } from './types'

export interface OperationsOptions {
  dataDir: string
  /** From loadInstanceId(dataDir); written into cluster leases. */
  instanceId: string
  remote: RemoteRunner
  emit: (event: OperationEvent) => void
  /** Every kind that may be resumed or abandoned, by kind name. */
  kinds: Readonly<Record<string, OperationFactory>>
  lease?: LeaseConfig
  /** Test hook; default: REPLICADESK_FAULT. `null` turns it off. */
  fault?: FaultPoint | null
  progressIntervalMs?: number
  persistProgressEveryMs?: number
}

/** A started operation: its state once the lease is held, and its end. */
export interface Started {
  operation: OperationSummary
  /** Resolves with the final summary, whatever the outcome (failed included). */
  finished: Promise<OperationSummary>
}

const ACTIVE: readonly OperationStatus[] = ['planned', 'running', 'abandoning']
const RESUMABLE: readonly OperationStatus[] = ['interrupted', 'failed']

// Shared by every Operations object of this process, keyed by instance and cluster.
const busyClusters = new Map<string, string>()

export function createOperations(options: OperationsOptions) {
  const journal = new Journal(options.dataDir)
  const fault = options.fault === null ? undefined : (options.fault ?? faultFromEnv())
  const env: ExecutionEnv = { journal, remote: options.remote, emit: options.emit, fault, progressIntervalMs: options.progressIntervalMs, persistProgressEveryMs: options.persistProgressEveryMs }
  const owner = (): OwnerRecord => ({ instanceId: options.instanceId, hostname: hostname(), ...currentProcess() })
  const emitChanged = (operation: OperationSummary) => options.emit({ type: 'changed', operation })

  function guard(clusterId: string, operationId: string): () => void {
    const key = `${options.instanceId}|${clusterId}`
    const running = busyClusters.get(key)
    if (running) {
      throw new AppError('conflict', `Cluster ${clusterId} is busy: this ReplicaDesk is running operation ${running} on it. Wait for it to finish.`, { clusterId, operationId: running })
    }
    busyClusters.set(key, operationId)
    return () => {
      if (busyClusters.get(key) === operationId) busyClusters.delete(key)
    }
  }

  function factoryOf(kind: string): OperationFactory {
    const factory = options.kinds[kind]
    if (!factory) throw new AppError('internal', `Operation kind "${kind}" is not registered with the operations runner: it could not be resumed or abandoned after a crash, so it is not run.`)
    return factory
  }

  /**
   * Guard, lease and journal claim, then execution in the background. A new operation takes
   * the lease first (nothing is journaled for a refusal). Resume and abandon claim the journal
   * entry first: this instance may take back its own lease for that operation, so only the
   * journal's lock tells two of its processes apart; a refused lease gives the entry back.
   */
  async function launch(
    target: { clusterId: string; members: readonly string[]; operationId: string },
    claim: { first: boolean; take(): Promise<OperationRecord>; giveBack?(): Promise<void> },
    execute: (lease: ClusterLease, record: OperationRecord) => Promise<OperationSummary>,
  ): Promise<Started> {
    const release = guard(target.clusterId, target.operationId)
    let claimed: OperationRecord | undefined
    try {
      if (claim.first) claimed = await claim.take()
      const lease = await ClusterLease.acquire({ ...options.lease, ...target, remote: options.remote, instanceId: options.instanceId })
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

  function newRecord(id: string, def: OperationDefinition<unknown>): OperationRecord {
    const at = new Date().toISOString()
    return {
      id,
      kind: def.kind,
      clusterId: def.clusterId,
      title: def.title,
      status: 'planned',
      params: def.params,
      members: [...def.members],
      steps: def.steps.map((s) => ({ id: s.id, title: s.title, hosts: [...s.hosts], status: 'pending', touched: false })),
      owner: owner(),
      attempts: 1,
      createdAt: at,
      startedAt: at,
      updatedAt: at,
    }
  }

  async function start(def: OperationDefinition<unknown>): Promise<Started> {
    validateDefinition(def)
    factoryOf(def.kind)
    // Before the lease: an operation that cannot be journaled must not touch the members.
    await journal.assertWritable()
    const id = newOperationId(def.kind)
    const take = async () => {
      const record = newRecord(id, def)
      await journal.create(record)
      emitChanged(toSummary(record))
      return record
    }
    return launch({ clusterId: def.clusterId, members: def.members, operationId: id }, { first: false, take }, (lease, record) => executeForward(env, def, lease, record))
  }

  const asInterrupted = (r: OperationRecord): OperationRecord => {
    if (!ACTIVE.includes(r.status) || isAlive(r.owner)) return r
    return {
      ...r,
      status: 'interrupted',
      endedAt: new Date().toISOString(),
      steps: r.steps.map((s) => (s.status === 'running' ? { ...s, status: 'interrupted' as const } : s)),
    }
  }

  /** Marks interrupted every active operation whose process is gone; returns those. */
  async function recoverInterrupted(): Promise<OperationSummary[]> {
    const found: OperationSummary[] = []
    for (const record of await journal.list()) {
      if (!ACTIVE.includes(record.status) || isAlive(record.owner)) continue
      let updated: OperationRecord
      try {
        updated = await journal.update(record.id, asInterrupted)
      } catch (err) {
        // A read-only data dir cannot record it; the list still shows it interrupted (asInterrupted
        // in listOperations), and resume or abandon say why they cannot run there.
        if (isReadOnlyError(err)) continue
        throw err
      }
      if (updated.status === 'interrupted') {
        found.push(toSummary(updated))
        emitChanged(toSummary(updated))
      }
    }
    return found
  }

  /** Reads an operation to resume or abandon it, and rebuilds its definition. */
  async function prepare(id: string, verb: string) {
    await recoverInterrupted()
    const record = await journal.read(id)
    if (!RESUMABLE.includes(record.status)) {
      const where = ACTIVE.includes(record.status) ? ` in process ${record.owner.pid} of ReplicaDesk instance ${record.owner.instanceId} on ${record.owner.hostname}` : ''
      throw new AppError('conflict', `Operation ${id} is ${record.status}${where}: it cannot be ${verb}.`, { id, status: record.status })
    }
    const def = await factoryOf(record.kind)({ clusterId: record.clusterId, params: record.params, members: record.members })
    validateDefinition(def)
    const now = def.steps.map((s) => s.id).join(',')
    const then = record.steps.map((s) => s.id).join(',')
    if (now !== then) {
      throw new AppError('conflict', `Operation ${id} was started by a ReplicaDesk whose ${record.kind} had other steps (${then}; now ${now}). It cannot be ${verb} safely by this version.`, { id })
    }
    return { record, def }
  }

  /** Makes this process the owner of a resumable operation, as `status`. */
  function claimFor(id: string, status: 'running' | 'abandoning') {
    let before: OperationRecord | undefined
    return {
      first: true,
      take: async () => {
        const claimed = await journal.update(id, (r) => {
          if (!RESUMABLE.includes(r.status)) throw new AppError('conflict', `Operation ${id} changed to ${r.status} meanwhile; nothing was done.`, { id })
          before = r
          // Resume starts over from the first step (each check decides); abandon keeps the steps.
          const steps = status === 'running' ? r.steps.map((s) => ({ id: s.id, title: s.title, hosts: s.hosts, touched: s.touched, status: 'pending' as const })) : r.steps
          return { ...r, status, steps, owner: owner(), attempts: r.attempts + 1, error: undefined, endedAt: undefined, progress: status === 'running' ? undefined : r.progress }
        })
        emitChanged(toSummary(claimed))
        return claimed
      },
      giveBack: async () => {
        const me = currentProcess()
        const back = await journal.update(id, (r) => (before && r.status === status && r.owner.pid === me.pid && r.owner.startId === me.startId ? before : r))
        emitChanged(toSummary(back))
      },
    }
  }

  /** Re-runs from the first step; each step's check decides whether it runs again. */
  async function resume(id: string): Promise<Started> {
    const { record, def } = await prepare(id, 'resumed')
    return launch({ clusterId: record.clusterId, members: def.members, operationId: id }, claimFor(id, 'running'), (lease, claimed) => executeForward(env, def, lease, claimed))
  }

  /** Undoes, in reverse, the steps this operation started, then marks it abandoned. */
  async function abandon(id: string): Promise<Started> {
    const { record, def } = await prepare(id, 'abandoned')
    return launch({ clusterId: record.clusterId, members: def.members, operationId: id }, claimFor(id, 'abandoning'), (lease, claimed) => executeBackward(env, def, lease, claimed))
  }

  async function runOperation(def: OperationDefinition<unknown>, opts: { dryRun: true }): Promise<OperationPlan>
  async function runOperation(def: OperationDefinition<unknown>, opts?: { dryRun?: false }): Promise<OperationSummary>
  async function runOperation(def: OperationDefinition<unknown>, opts: { dryRun?: boolean } = {}): Promise<OperationPlan | OperationSummary> {
    if (opts.dryRun) return planOperation(def, options.remote)
    return (await start(def)).finished
  }

  return {
    /** Dry run: the exact commands, secrets masked. Nothing runs, nothing is journaled. */
    plan: (def: OperationDefinition<unknown>) => planOperation(def, options.remote),
    runOperation,
    start,
    resume,
    abandon,
    recoverInterrupted,
    /** An operation of this instance runs (or undoes) on the cluster now: from memory, no journal read. */
    isBusy: (clusterId: string) => busyClusters.has(`${options.instanceId}|${clusterId}`),
    /** Every operation, newest first; a journal that cannot be read shows as a damaged entry (journal-damage.ts). */
    async listOperations(): Promise<OperationSummary[]> {
      await recoverInterrupted()
      const { records, damaged } = await journal.scan()
      const all = [...records.map((r) => toSummary(asInterrupted(r))), ...damaged.map(damagedSummary)]
      return all.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    },
    getOperation: async (id: string) => toSummary(await journal.read(id)),
  }
}

export type Operations = ReturnType<typeof createOperations>
