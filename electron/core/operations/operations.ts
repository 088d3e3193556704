// The operations service the core owns: start, dry-run, list, resume and abandon journaled
// operations; find the ones a crashed process left running. One operation per cluster: an
// in-process guard and the cluster lease (launch.ts); the journal side in records.ts.
import { AppError } from '../../../shared/errors'
import type { OperationEvent, OperationPlan, OperationSummary } from '../../../shared/operations'
import { planOperation, validateDefinition } from './definition'
import { faultFromEnv } from './fault'
import { Journal, newOperationId, toSummary } from './journal'
import { damagedSummary } from './journal-damage'
import { isBusy, launch, type LaunchEnv, type Started } from './launch'
import type { LeaseConfig } from './lease'
import { asInterrupted, claimFor, newRecord, ownerNow, readResumable, recoverInterrupted, type RecordsEnv } from './records'
import { executeBackward, executeForward, type ExecutionEnv } from './runner'
import type { FaultPoint, OperationDefinition, OperationFactory, RemoteRunner } from './types'

export type { Started } from './launch'

export interface OperationsOptions {
  dataDir: string
  /** From loadInstanceId(dataDir); written into cluster leases. */
  instanceId: string
  remote: RemoteRunner
  emit: (event: OperationEvent) => void
  /** Every kind that may be resumed or abandoned, by kind name. */
  kinds: Readonly<Record<string, OperationFactory>>
  lease?: LeaseConfig
  /** A lease of its own for some kinds, by kind name (host operations: no postgres user on a bare box yet). */
  kindLeases?: Readonly<Record<string, LeaseConfig>>
  /** Test hook; default: REPLICADESK_FAULT. `null` turns it off. */
  fault?: FaultPoint | null
  progressIntervalMs?: number
  persistProgressEveryMs?: number
}

export function createOperations(options: OperationsOptions) {
  const journal = new Journal(options.dataDir)
  const fault = options.fault === null ? undefined : (options.fault ?? faultFromEnv())
  const env: ExecutionEnv = { journal, remote: options.remote, emit: options.emit, fault, progressIntervalMs: options.progressIntervalMs, persistProgressEveryMs: options.persistProgressEveryMs }
  const records: RecordsEnv = { journal, instanceId: options.instanceId, emitChanged: (operation) => options.emit({ type: 'changed', operation }) }
  const launchEnvOf = (kind: string): LaunchEnv => ({ instanceId: options.instanceId, remote: options.remote, lease: options.kindLeases?.[kind] ?? options.lease })

  function factoryOf(kind: string): OperationFactory {
    const factory = options.kinds[kind]
    if (!factory) throw new AppError('internal', `Operation kind "${kind}" is not registered with the operations runner: it could not be resumed or abandoned after a crash, so it is not run.`)
    return factory
  }

  async function start(def: OperationDefinition<unknown>): Promise<Started> {
    validateDefinition(def)
    factoryOf(def.kind)
    // Before the lease: an operation that cannot be journaled must not touch the members.
    await journal.assertWritable()
    const id = newOperationId(def.kind)
    const take = async () => {
      const record = newRecord(id, def, ownerNow(options.instanceId))
      await journal.create(record)
      records.emitChanged(toSummary(record))
      return record
    }
    return launch(launchEnvOf(def.kind), { clusterId: def.clusterId, members: def.members, operationId: id }, { first: false, take }, (lease, record) => executeForward(env, def, lease, record))
  }

  /** Re-runs from the first step; each step's check decides whether it runs again. */
  async function resume(id: string): Promise<Started> {
    const { record, def } = await readResumable(records, factoryOf, id, 'resumed')
    return launch(launchEnvOf(def.kind), { clusterId: record.clusterId, members: def.members, operationId: id }, claimFor(records, id, 'running'), (lease, claimed) => executeForward(env, def, lease, claimed))
  }

  /** Undoes, in reverse, the steps this operation started, then marks it abandoned. */
  async function abandon(id: string): Promise<Started> {
    const { record, def } = await readResumable(records, factoryOf, id, 'abandoned')
    return launch(launchEnvOf(def.kind), { clusterId: record.clusterId, members: def.members, operationId: id }, claimFor(records, id, 'abandoning'), (lease, claimed) => executeBackward(env, def, lease, claimed))
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
    recoverInterrupted: () => recoverInterrupted(records),
    /** An operation of this instance runs (or undoes) on the cluster now: from memory, no journal read. */
    isBusy: (clusterId: string) => isBusy(options.instanceId, clusterId),
    /** Every operation, newest first; a journal that cannot be read shows as a damaged entry (journal-damage.ts). */
    async listOperations(): Promise<OperationSummary[]> {
      await recoverInterrupted(records)
      const { records: found, damaged } = await journal.scan()
      const all = [...found.map((r) => toSummary(asInterrupted(r))), ...damaged.map(damagedSummary)]
      return all.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    },
    getOperation: async (id: string) => toSummary(await journal.read(id)),
  }
}

export type Operations = ReturnType<typeof createOperations>
