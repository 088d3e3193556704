import { describe, expect, it } from 'vitest'
import { mergeOperations, mergeSummary, withProgress } from './merge'
import { names, oid, op, progress } from './testing'

describe('mergeSummary', () => {
  it('never replaces a summary with an older one, and keeps the later progress either way', () => {
    const newer = op({ name: 'a', status: 'succeeded', updatedAt: '2026-01-01T00:00:05Z', progress: progress(100, '2026-01-01T00:00:05Z') })
    const older = op({ name: 'a', status: 'running', updatedAt: '2026-01-01T00:00:02Z', progress: progress(40, '2026-01-01T00:00:02Z') })
    expect(mergeSummary(newer, older)).toBe(newer)
    expect(mergeSummary(older, newer)).toBe(newer)

    // A step change (newer summary) carries older progress than the events since: keep the events'.
    const stepChange = op({ name: 'a', status: 'running', updatedAt: '2026-01-01T00:00:03Z', progress: progress(40, '2026-01-01T00:00:02Z') })
    const live = { ...older, progress: progress(60, '2026-01-01T00:00:04Z') }
    const merged = mergeSummary(live, stepChange)
    expect(merged.updatedAt).toBe('2026-01-01T00:00:03Z')
    expect(merged.progress?.percent).toBe(60)
  })
})

describe('mergeOperations', () => {
  it('is one summary per id, newest first', () => {
    const list = mergeOperations(
      [op({ name: 'x', createdAt: '2026-01-01T00:00:01Z' }), op({ name: 'y', createdAt: '2026-01-01T00:00:03Z' })],
      [op({ name: 'z', createdAt: '2026-01-01T00:00:02Z' }), op({ name: 'x', createdAt: '2026-01-01T00:00:01Z', status: 'failed', updatedAt: '2026-01-01T00:00:09Z' })],
    )
    expect(names(list)).toEqual(['y', 'z', 'x'])
    expect(list[2]!.status).toBe('failed')
  })
})

describe('withProgress', () => {
  it('moves an operation’s progress forward only, and says when it does not know the operation', () => {
    const list = [op({ name: 'a', progress: progress(10, '2026-01-01T00:00:01Z') })]
    const next = withProgress(list, oid('a'), progress(20, '2026-01-01T00:00:02Z'))!
    expect(next).not.toBe(list)
    expect(next[0]!.progress?.percent).toBe(20)
    expect(withProgress(next, oid('a'), progress(15, '2026-01-01T00:00:01.500Z'))).toBe(next) // late: ignored
    expect(withProgress(next, oid('nope'), progress(1, 't'))).toBeNull()
  })
})
