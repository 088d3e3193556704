// Keeping a list of operations current from three sources that arrive in any order: the list
// a load returns, operationChanged (full summaries) and operationProgress (progress only).
// A summary never replaces a newer one, and progress never goes back in time.
import type { OperationProgress, OperationSummary } from '../../../shared/operations'

const newer = (a: string | undefined, b: string | undefined): boolean => (a ?? '') > (b ?? '')

/** The later of two progress reports (by their time). */
export function laterProgress(a: OperationProgress | undefined, b: OperationProgress | undefined): OperationProgress | undefined {
  if (!a) return b
  if (!b) return a
  return newer(b.at, a.at) ? b : a
}

/**
 * `incoming` where it is at least as new as `current` (by updatedAt), else `current`; either way
 * with the later of their progress reports.
 */
export function mergeSummary(current: OperationSummary | undefined, incoming: OperationSummary): OperationSummary {
  if (!current) return incoming
  const base = newer(current.updatedAt, incoming.updatedAt) ? current : incoming
  const progress = laterProgress(current.progress, incoming.progress)
  return progress === base.progress ? base : { ...base, progress }
}

/** Newest first (ids start with the creation time, which breaks ties the same way). */
export const newestFirst = (a: OperationSummary, b: OperationSummary): number => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id)

/** Every summary of the lists merged by id, newest first. */
export function mergeOperations(...lists: readonly (readonly OperationSummary[])[]): OperationSummary[] {
  const byId = new Map<string, OperationSummary>()
  for (const list of lists) for (const op of list) byId.set(op.id, mergeSummary(byId.get(op.id), op))
  return [...byId.values()].sort(newestFirst)
}

/** The list with one operation's progress moved forward; unchanged (same array) when it is unknown or older. */
export function withProgress(list: readonly OperationSummary[], operationId: string, progress: OperationProgress): OperationSummary[] | null {
  const i = list.findIndex((op) => op.id === operationId)
  if (i < 0) return null
  const op = list[i]!
  if (laterProgress(op.progress, progress) !== progress) return list as OperationSummary[]
  const next = [...list]
  next[i] = { ...op, progress }
  return next
}
