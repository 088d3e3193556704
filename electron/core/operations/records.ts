// The journal side of starting, resuming and abandoning: a new operation's record, operations
// whose process is gone marked interrupted, a resumable one read back with its definition
// rebuilt, and the claim that makes this process its owner.
import { hostname } from 'node:os'
import { AppError } from '../../../shared/errors'
import type { OperationStatus, OperationSummary } from '../../../shared/operations'
import { validateDefinition } from './definition'
import { isReadOnlyError } from '../store/fs-errors'
import { toSummary, type Journal, type OperationRecord, type OwnerRecord } from './journal'
import type { JournalClaim } from './launch'
import { currentProcess, isAlive } from './process-identity'
import type { OperationDefinition, OperationFactory } from './types'

export const ACTIVE: readonly OperationStatus[] = ['planned', 'running', 'abandoning']
const RESUMABLE: readonly OperationStatus[] = ['interrupted', 'failed']

/** What the journal reads and writes for the service, and whom it tells. */
export interface RecordsEnv {
  journal: Journal
  instanceId: string
  emitChanged: (operation: OperationSummary) => void
}

export const ownerNow = (instanceId: string): OwnerRecord => ({ instanceId, hostname: hostname(), ...currentProcess() })

export function newRecord(id: string, def: OperationDefinition<unknown>, owner: OwnerRecord): OperationRecord {
  const at = new Date().toISOString()
  return {
    id,
    kind: def.kind,
    clusterId: def.clusterId,
    title: def.title,
    status: 'planned',
    params: def.params,
    members: [...def.members],
    ...(def.member !== undefined && { member: def.member }),
    steps: def.steps.map((s) => ({ id: s.id, title: s.title, hosts: [...s.hosts], status: 'pending', touched: false })),
    owner,
    attempts: 1,
    createdAt: at,
    startedAt: at,
    updatedAt: at,
  }
}

/** The record as it stands: an active one whose process is gone is interrupted. */
export const asInterrupted = (r: OperationRecord): OperationRecord => {
  if (!ACTIVE.includes(r.status) || isAlive(r.owner)) return r
  return {
    ...r,
    status: 'interrupted',
    endedAt: new Date().toISOString(),
    steps: r.steps.map((s) => (s.status === 'running' ? { ...s, status: 'interrupted' as const } : s)),
  }
}

/** Marks interrupted every active operation whose process is gone; returns those. */
export async function recoverInterrupted(env: RecordsEnv): Promise<OperationSummary[]> {
  const found: OperationSummary[] = []
  for (const record of await env.journal.list()) {
    if (!ACTIVE.includes(record.status) || isAlive(record.owner)) continue
    let updated: OperationRecord
    try {
      updated = await env.journal.update(record.id, asInterrupted)
    } catch (err) {
      // A read-only data dir cannot record it; the list still shows it interrupted (asInterrupted
      // in listOperations), and resume or abandon say why they cannot run there.
      if (isReadOnlyError(err)) continue
      throw err
    }
    if (updated.status === 'interrupted') {
      found.push(toSummary(updated))
      env.emitChanged(toSummary(updated))
    }
  }
  return found
}

/** Reads an operation to resume or abandon it, and rebuilds its definition. */
export async function readResumable(env: RecordsEnv, factoryOf: (kind: string) => OperationFactory, id: string, verb: string) {
  await recoverInterrupted(env)
  const record = await env.journal.read(id)
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
export function claimFor(env: RecordsEnv, id: string, status: 'running' | 'abandoning'): JournalClaim {
  let before: OperationRecord | undefined
  return {
    first: true,
    take: async () => {
      const claimed = await env.journal.update(id, (r) => {
        if (!RESUMABLE.includes(r.status)) throw new AppError('conflict', `Operation ${id} changed to ${r.status} meanwhile; nothing was done.`, { id })
        before = r
        // Resume starts over from the first step (each check decides); abandon keeps the steps.
        const steps = status === 'running' ? r.steps.map((s) => ({ id: s.id, title: s.title, hosts: s.hosts, touched: s.touched, status: 'pending' as const })) : r.steps
        return { ...r, status, steps, owner: ownerNow(env.instanceId), attempts: r.attempts + 1, error: undefined, endedAt: undefined, progress: status === 'running' ? undefined : r.progress }
      })
      env.emitChanged(toSummary(claimed))
      return claimed
    },
    giveBack: async () => {
      const me = currentProcess()
      const back = await env.journal.update(id, (r) => (before && r.status === status && r.owner.pid === me.pid && r.owner.startId === me.startId ? before : r))
      env.emitChanged(toSummary(back))
    },
  }
}
