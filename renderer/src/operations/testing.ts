// Operation summaries for unit tests: the fields that matter, the rest filled in. `name` gives
// both the title and a valid operation id (oid), so tests read by name.
import type { OperationProgress, OperationSummary } from '../../../shared/operations'

/** A valid operation id for a short test name. */
export const oid = (name: string): string => `20260101-000000-op-${[...name].map((c) => c.charCodeAt(0).toString(16)).join('').padEnd(4, '0')}`

export function op(over: Partial<OperationSummary> & { name: string }): OperationSummary {
  const { name, ...rest } = over
  return {
    id: oid(name),
    kind: 'pg-add-replica',
    clusterId: 'c1',
    title: name,
    status: 'running',
    params: {},
    members: ['host1'],
    steps: [],
    instanceId: 'i1',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...rest,
  }
}

export const names = (list: readonly OperationSummary[]): string[] => list.map((o) => o.title)

export const progress = (percent: number, at: string, extra: Partial<OperationProgress> = {}): OperationProgress => ({ stepId: 's', percent, at, ...extra })
