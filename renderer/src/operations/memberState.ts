// Which members an operation is working on right now: a member shows "being created" while its
// add runs, and "add stopped" while that operation waits for Resume or Abandon. The core names
// that member in the summary (`member`); operations on several members (switchover, failover,
// settings that add several replicas or none) and older journals name none.
import type { OperationSummary } from '../../../shared/operations'
import { isActive, needsDecision, type Tone } from './format'

const verbs: Record<string, { active: string; stopped: string }> = {
  'pg-create-cluster': { active: 'being created', stopped: 'creation stopped' },
  'pg-add-replica': { active: 'being created', stopped: 'add stopped' },
  'pg-remove-replica': { active: 'being removed', stopped: 'removal stopped' },
  'pg-rejoin': { active: 'rejoining', stopped: 'rejoin stopped' },
  'pg-fence': { active: 'being fenced', stopped: 'fence stopped' },
  // Names a member only when it adds exactly one replica (the replicas wanted).
  'pg-settings': { active: 'being created', stopped: 'add stopped' },
  'mariadb-create-cluster': { active: 'being created', stopped: 'creation stopped' },
  'mariadb-add-replica': { active: 'being created', stopped: 'add stopped' },
  'mariadb-remove-replica': { active: 'being removed', stopped: 'removal stopped' },
  'mariadb-rejoin': { active: 'rejoining', stopped: 'rejoin stopped' },
  'mariadb-fence': { active: 'being fenced', stopped: 'fence stopped' },
}

export interface MemberOperationState {
  label: string
  tone: Tone
  operationId: string
}

/**
 * Per member name, what the newest operation on it is doing when it runs or waits for a decision.
 * Only the newest counts: a stopped rejoin that a later rebuild of the same member superseded no
 * longer marks it.
 */
export function memberStates(operations: readonly OperationSummary[]): Map<string, MemberOperationState> {
  const out = new Map<string, MemberOperationState>()
  const seen = new Set<string>()
  // Newest first: the first one seen for a member wins.
  for (const op of operations) {
    const verb = verbs[op.kind]
    const member = op.member
    if (!verb || !member || seen.has(member)) continue
    seen.add(member)
    if (isActive(op)) out.set(member, { label: verb.active, tone: 'busy', operationId: op.id })
    else if (needsDecision(op)) out.set(member, { label: verb.stopped, tone: op.status === 'failed' ? 'bad' : 'warn', operationId: op.id })
  }
  return out
}

/** An add or rejoin that finished well: its member may still read as stopped until the next poll. */
export interface FinishedOperation extends MemberOperationState {
  endedAt: string
}

/** The operations that bring a member up (a new copy, a rejoin): their end means it runs. */
const BRINGS_UP: ReadonlySet<string> = new Set(['pg-add-replica', 'pg-rejoin', 'pg-settings', 'mariadb-add-replica', 'mariadb-rejoin'])

/**
 * Per member name, its newest operation when that is an add or a rejoin that succeeded. The
 * status poll reads the member up a moment later; until then status/badge.ts keeps showing it
 * as being created (or rejoining) rather than as a member that went down.
 */
export function finishedStates(operations: readonly OperationSummary[]): Map<string, FinishedOperation> {
  const out = new Map<string, FinishedOperation>()
  const seen = new Set<string>()
  for (const op of operations) {
    const verb = verbs[op.kind]
    const member = op.member
    if (!verb || !member || seen.has(member)) continue
    seen.add(member)
    if (BRINGS_UP.has(op.kind) && op.status === 'succeeded' && op.endedAt) out.set(member, { label: verb.active, tone: 'busy', operationId: op.id, endedAt: op.endedAt })
  }
  return out
}
