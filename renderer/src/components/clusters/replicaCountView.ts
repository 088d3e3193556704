// The adds and removals a settings change runs for the replicas wanted, read from its params
// (leniently: other settings changes have none), each with where it stands from its steps
// (`add1-…`, `remove1-…` in the journal).
import { z } from 'zod'
import type { OperationSummary } from '../../../../shared/operations'

const params = z.object({
  replicas: z.object({
    add: z.array(z.object({ member: z.object({ name: z.string(), host: z.string(), dataDir: z.string() }), why: z.string() })).default([]),
    remove: z.array(z.object({ member: z.string(), why: z.string() })).default([]),
  }),
})

export type ActionState = 'waiting' | 'running' | 'done' | 'stopped'

export interface ReplicaCountRow {
  key: string
  action: 'add' | 'remove'
  member: string
  text: string
  state: ActionState
}

function stateOf(op: OperationSummary, prefix: string): ActionState {
  const own = op.steps.filter((s) => s.id.startsWith(`${prefix}-`))
  if (own.length && own.every((s) => s.status === 'done' || s.status === 'skipped')) return 'done'
  if (own.some((s) => s.status === 'failed' || s.status === 'interrupted' || s.status === 'undone' || s.status === 'undo_failed')) return 'stopped'
  return own.some((s) => s.startedAt) ? 'running' : 'waiting'
}

/** Empty when the operation adds and removes no replica. */
export function replicaCountRows(op: OperationSummary | undefined): ReplicaCountRow[] {
  const p = op ? params.safeParse(op.params) : undefined
  if (!op || !p?.success) return []
  return [
    ...p.data.replicas.add.map((a, i): ReplicaCountRow => ({ key: `add${i + 1}`, action: 'add', member: a.member.name, text: `Add ${a.member.name} on ${a.member.host} (${a.member.dataDir}): ${a.why}`, state: stateOf(op, `add${i + 1}`) })),
    ...p.data.replicas.remove.map((r, i): ReplicaCountRow => ({ key: `remove${i + 1}`, action: 'remove', member: r.member, text: `Remove ${r.member}: ${r.why}; its data dir is kept`, state: stateOf(op, `remove${i + 1}`) })),
  ]
}

export const actionStateLabels: Record<ActionState, string> = { waiting: 'waiting', running: 'running', done: 'done', stopped: 'stopped' }
