// What a settings change that adds or removes replicas writes to the cluster record, read from
// its journal (so also when another process resumed it): a new member is recorded once the first
// step of its add started (status then shows it being created), a removed member leaves once
// every step of its removal is done; an abandoned change takes its added members out again (the
// abandon undid their adds). Nothing changes: the same record comes back (no write).
import type { StepSummary } from '../../../shared/operations'
import type { PgMember } from '../../../shared/postgres'
import type { RecordChange } from './clusters-store'

interface Params {
  replicas?: { add?: { member: PgMember }[]; remove?: { member: string }[] }
}
type JournalStep = Pick<StepSummary, 'id' | 'status' | 'startedAt'>

const of = (steps: readonly JournalStep[], prefix: string) => steps.filter((s) => s.id.startsWith(`${prefix}-`))

export function replicaCountProgress(p: Params, steps: readonly JournalStep[]): RecordChange | null {
  const add = (p.replicas?.add ?? []).filter((_, i) => of(steps, `add${i + 1}`).some((s) => s.startedAt && s.status !== 'undone')).map((a) => a.member)
  const gone = new Set((p.replicas?.remove ?? []).filter((_, i) => {
    const own = of(steps, `remove${i + 1}`)
    return own.length > 0 && own.every((s) => s.status === 'done' || s.status === 'skipped')
  }).map((r) => r.member))
  if (add.length === 0 && gone.size === 0) return null
  return (c) => {
    if (!c) return c
    const missing = add.filter((m) => !c.members.some((x) => x.name === m.name))
    const leaving = c.members.filter((m) => gone.has(m.name))
    if (missing.length === 0 && leaving.length === 0) return c
    return { ...c, members: [...c.members.filter((m) => !gone.has(m.name)), ...missing] }
  }
}

/** After an abandon: the members this change was adding are out of the record again. */
export function replicaCountAbandoned(p: Params): RecordChange | null {
  const added = new Set((p.replicas?.add ?? []).map((a) => a.member.name))
  if (added.size === 0) return null
  return (c) => (c ? { ...c, members: c.members.filter((m) => !added.has(m.name)) } : c)
}
