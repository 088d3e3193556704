// What each operation kind writes to its cluster record, in one table. The call that starts an
// operation applies `onStart` once the lease is held and the operation runs; every journal
// change (also of an operation another process resumed) applies `onProgress` unless it is
// being abandoned, written only when it changes the record; its end applies `onSucceeded` or
// `onAbandoned`. Kinds and moments not named leave the record alone. Fence marks themselves
// are fencing.ts.
import type { OperationSummary, StepSummary } from '../../../shared/operations'
import type { PgCluster } from '../../../shared/postgres'
import { KIND_ADD_REPLICA, KIND_CREATE_CLUSTER, KIND_FAILOVER, KIND_FENCE, KIND_REJOIN, KIND_REMOVE_REPLICA, KIND_SETTINGS, KIND_HANDOVER, KIND_HANDBACK, KIND_PATRONI_SETTINGS, KIND_PATRONI_ADOPT, automaticOf } from '../engines/postgres'
import { KIND_MARIADB_ADD_REPLICA, KIND_MARIADB_CREATE_CLUSTER, KIND_MARIADB_FAILOVER, KIND_MARIADB_FENCE, KIND_MARIADB_REJOIN, KIND_MARIADB_REMOVE_REPLICA, KIND_MARIADB_SETTINGS } from '../engines/mariadb/kinds'
import type { ClusterRecord } from '../../../shared/cluster-record'
import type { AnyRecordChange, ClustersStore, RecordChange } from './clusters-store'
import { markFenced, unmarkFenced } from './fencing'
import { settingsOf } from './settings-change'
import { replicaCountAbandoned, replicaCountProgress } from './replica-count-record'

/** The journaled params the effects read (each kind has some of them). */
interface Params {
  cluster?: PgCluster
  /** A settings change: the record before. */
  previous?: PgCluster
  member?: string
  from?: string | null
  /** A settings change: the replicas it adds and removes. */
  replicas?: Parameters<typeof replicaCountProgress>[0]['replicas']
}

type JournalStep = Pick<StepSummary, 'id' | 'status' | 'startedAt'>

/** The change to write, or null for none. */
type Effect = (params: Params, steps: readonly JournalStep[]) => RecordChange | null

interface RecordEffects {
  onStart?: Effect
  onProgress?: Effect
  onSucceeded?: Effect
  onAbandoned?: Effect
}

const withoutMember =
  (member: string | undefined): RecordChange =>
  (c) =>
    c && member ? { ...c, members: c.members.filter((m) => m.name !== member) } : c

const startedStep = (steps: readonly JournalStep[], id: string) => steps.some((s) => s.id === id && s.startedAt && s.status !== 'undone')

const effects: Readonly<Record<string, RecordEffects>> = {
  // The record exists from the start of its creation (params.cluster); an abandoned creation takes it out.
  [KIND_CREATE_CLUSTER]: { onStart: (p) => () => p.cluster, onAbandoned: () => () => undefined },
  // The member is recorded when its add starts (params.cluster holds it); an abandoned add takes it out again.
  [KIND_ADD_REPLICA]: { onStart: (p) => () => p.cluster, onAbandoned: (p) => withoutMember(p.member) },
  // The member leaves the record once its removal succeeded.
  [KIND_REMOVE_REPLICA]: { onSucceeded: (p) => withoutMember(p.member) },
  // Marked fenced from the start; a rejoin takes the mark away.
  [KIND_FENCE]: { onStart: (p) => (p.member ? markFenced(p.member) : null) },
  [KIND_REJOIN]: { onSucceeded: (p) => unmarkFenced(p.member) },
  // The new settings are recorded when the change starts (so status, verdict and drift judge
  // against them); an abandoned change (its undo put the old values back) restores the old ones.
  // Replicas it adds or removes enter or leave the record as their steps go (replica-count-record.ts).
  [KIND_SETTINGS]: {
    onStart: (p) => settingsOf(p.cluster),
    onProgress: (p, steps) => replicaCountProgress(p, steps),
    onAbandoned: (p) => {
      const [a, b] = [settingsOf(p.previous), replicaCountAbandoned(p)]
      return a && b ? (c) => b(a(c)) : (a ?? b)
    },
  },
  // Handed over to Patroni once the hand-over succeeded: ReplicaDesk's own role changes leave it alone from then on.
  [KIND_HANDOVER]: { onSucceeded: (p) => (p.cluster ? (c) => c && { ...c, automatic: { mode: 'patroni' as const, ...automaticOf(p.cluster!) } } : null) },
  // Managed by ReplicaDesk again once the hand-back succeeded (until then Patroni may still act).
  [KIND_HANDBACK]: { onSucceeded: () => (c) => c && { ...c, automatic: undefined } },
  // An adopted Patroni cluster is recorded once its verify read succeeded (a failed adopt leaves no record; an existing one is kept).
  [KIND_PATRONI_ADOPT]: { onSucceeded: (p) => (p.cluster ? (c) => c ?? p.cluster : null) },
  // Settings through Patroni (PATCH /config): recorded once every member applies them (a hand-back restores them).
  [KIND_PATRONI_SETTINGS]: { onSucceeded: (p) => settingsOf(p.cluster) },
  [KIND_FAILOVER]: {
    // The old primary is marked fenced from the start: whatever happens to the operation,
    // ReplicaDesk never starts it as a primary again.
    onStart: (p) => (p.from ? markFenced(p.from) : null),
    // …and by the time the fence step starts, also when another process resumed it: the call
    // that started it may die first, and a host that does not answer is fenced only through the record.
    onProgress: (p, steps) => (p.from && startedStep(steps, 'fence') ? markFenced(p.from) : null),
    // Abandoned before its promotion ran: the abandon started the old primary again as the primary.
    onAbandoned: (p, steps) => (steps.some((s) => s.id === 'promote' && s.startedAt) ? null : unmarkFenced(p.from ?? undefined)),
  },
}

/** The other engines' kinds: records of any engine (the same moments as PostgreSQL's). */
interface AnyParams {
  cluster?: ClusterRecord
  previous?: ClusterRecord
  member?: string
  from?: string | null
}
const anyWithoutMember =
  (member: string | undefined): AnyRecordChange =>
  (c) =>
    c && member ? { ...c, members: c.members.filter((m) => m.name !== member) } as ClusterRecord : c
type AnyEffect = (p: AnyParams, steps: readonly JournalStep[]) => AnyRecordChange | null
const anyEffects: Readonly<Record<string, { onStart?: AnyEffect; onProgress?: AnyEffect; onSucceeded?: AnyEffect; onAbandoned?: AnyEffect }>> = {
  [KIND_MARIADB_CREATE_CLUSTER]: { onStart: (p) => () => p.cluster, onAbandoned: () => () => undefined },
  [KIND_MARIADB_ADD_REPLICA]: { onStart: (p) => () => p.cluster, onAbandoned: (p) => anyWithoutMember(p.member) },
  [KIND_MARIADB_REMOVE_REPLICA]: { onSucceeded: (p) => anyWithoutMember(p.member) },
  // New settings are recorded from the start (status and the verdict judge against them); an abandon restores the old ones.
  [KIND_MARIADB_SETTINGS]: { onStart: (p) => (p.cluster ? (c) => c && p.cluster : null), onAbandoned: (p) => (p.previous ? (c) => c && p.previous : null) },
  // Fence marks as for PostgreSQL: the failed-over primary from the start (and when its fence step starts), a fenced member until it rejoins.
  [KIND_MARIADB_FENCE]: { onStart: (p) => (p.member ? markFenced(p.member) : null) },
  [KIND_MARIADB_REJOIN]: { onSucceeded: (p) => unmarkFenced(p.member) },
  [KIND_MARIADB_FAILOVER]: {
    onStart: (p) => (p.from ? markFenced(p.from) : null),
    onProgress: (p, steps) => (p.from && startedStep(steps, 'fence') ? markFenced(p.from) : null),
    onAbandoned: (p, steps) => (steps.some((s) => s.id === 'promote' && s.startedAt) ? null : unmarkFenced(p.from ?? undefined)),
  },
}

/** The other engines' journal changes: the end's effect, else (while it runs) the progress one, written only when it changes the record. */
async function applyAnyOutcome(store: ClustersStore, op: OperationSummary, e: (typeof anyEffects)[string]): Promise<boolean> {
  const params = (op.params ?? {}) as AnyParams
  const final = (op.status === 'succeeded' ? e.onSucceeded : op.status === 'abandoned' ? e.onAbandoned : undefined)?.(params, op.steps)
  if (final) return (await store.updateAny(op.clusterId, final), true)
  if (op.status === 'abandoned' || op.status === 'abandoning') return false
  const change = e.onProgress?.(params, op.steps)
  const current = change && (await store.findAny(op.clusterId))
  if (!change || !current || change(current) === current) return false
  await store.updateAny(op.clusterId, change)
  return true
}

/** Writes what an operation the caller just started (its lease held) puts in the record. */
export async function applyOperationStart(store: ClustersStore, op: { kind: string; clusterId: string; params: unknown }): Promise<void> {
  const other = anyEffects[op.kind]?.onStart?.(op.params as AnyParams, [])
  if (other) return void (await store.updateAny(op.clusterId, other))
  const change = effects[op.kind]?.onStart?.(op.params as Params, [])
  if (change) await store.update(op.clusterId, change)
}

/** Writes what a change of an operation's journal puts in the record; true when it wrote. */
export async function applyOperationOutcome(store: ClustersStore, op: OperationSummary): Promise<boolean> {
  const other = anyEffects[op.kind]
  if (other) return applyAnyOutcome(store, op, other)
  const kind = effects[op.kind]
  if (!kind) return false
  const params = (op.params ?? {}) as Params
  const ended = op.status === 'succeeded' ? kind.onSucceeded : op.status === 'abandoned' ? kind.onAbandoned : undefined
  const final = ended?.(params, op.steps)
  if (final) {
    await store.update(op.clusterId, final)
    return true
  }
  if (op.status === 'abandoned' || op.status === 'abandoning') return false
  const change = kind.onProgress?.(params, op.steps)
  if (!change) return false
  const current = (await store.list()).find((c) => c.id === op.clusterId)
  if (!current || change(current) === current) return false
  await store.update(op.clusterId, change)
  return true
}
