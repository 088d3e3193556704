import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { OperationProgress } from '../../../shared/operations'
import { formatEta, formatRate } from '../../../shared/operations'
import { ProgressTracker } from './progress'

describe('ProgressTracker', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  const tracker = (weights: number[], emitted: OperationProgress[]) =>
    new ProgressTracker({ weights, emit: (p) => emitted.push(p), clock: () => Date.now(), smoothingMs: 1000 })

  it('weights steps, never goes back, and reaches 100 only at the end', () => {
    const out: OperationProgress[] = []
    const t = tracker([1, 2, 1], out)
    t.startStep(0, 'a')
    t.endStep()
    expect(out.at(-1)).toMatchObject({ stepId: 'a', percent: 25, stepPercent: 100 })
    t.startStep(1, 'b')
    vi.advanceTimersByTime(300)
    t.report({ bytesDone: 500, bytesTotal: 1000 })
    expect(out.at(-1)).toMatchObject({ stepId: 'b', percent: 50, stepPercent: 50 })
    vi.advanceTimersByTime(300)
    t.report({ bytesDone: 100, bytesTotal: 1000 }) // a step that restarts its count
    expect(out.at(-1)!.percent).toBe(50)
    t.endStep()
    t.startStep(2, 'c')
    vi.advanceTimersByTime(300)
    t.report({ bytesDone: 999_999, bytesTotal: 1_000_000 })
    expect(out.at(-1)!.percent).toBeLessThan(100)
    t.endStep()
    expect(out.at(-1)).toMatchObject({ stepId: 'c', percent: 100, etaSeconds: 0 })
    const percents = out.map((p) => p.percent)
    expect(percents).toEqual([...percents].sort((x, y) => x - y))
    t.dispose()
  })

  it('smooths the rate and derives the ETA from it', () => {
    const out: OperationProgress[] = []
    const t = tracker([1], out)
    t.startStep(0, 'copy')
    // 10 MB/s steady for 5 s, then a burst sample: the smoothed rate moves, but not all the way.
    for (let s = 1; s <= 50; s++) {
      vi.advanceTimersByTime(100)
      t.report({ bytesDone: s * 1_000_000, bytesTotal: 100_000_000 })
    }
    const steady = t.current!
    expect(steady.bytesPerSecond).toBeGreaterThan(9_900_000)
    expect(steady.bytesPerSecond).toBeLessThan(10_100_000)
    expect(steady.etaSeconds).toBeCloseTo(5, 0)
    vi.advanceTimersByTime(100)
    t.report({ bytesDone: 60_000_000, bytesTotal: 100_000_000 }) // 90 MB in 0.1 s
    const burst = t.current!.bytesPerSecond!
    expect(burst).toBeGreaterThan(10_000_000)
    expect(burst).toBeLessThan(100_000_000)
    expect(t.current!.etaSeconds).toBeCloseTo(40_000_000 / burst, 1)
    expect(formatRate(10_000_000)).toBe('10.0 MB/s')
    expect(formatEta(125)).toBe('2 min 05 s')
    expect(formatEta(3720)).toBe('1 h 02 min')
    t.dispose()
  })

  it('emits at most every interval, then the latest value once the interval is over', () => {
    const out: OperationProgress[] = []
    const t = tracker([1], out)
    t.startStep(0, 's')
    expect(out).toHaveLength(1) // the step boundary
    for (let i = 1; i <= 20; i++) {
      vi.advanceTimersByTime(10)
      t.report({ bytesDone: i, bytesTotal: 100, message: `m${i}` })
    }
    expect(out).toHaveLength(1) // 200 ms since the boundary: nothing yet
    vi.advanceTimersByTime(50)
    expect(out).toHaveLength(2)
    expect(out[1]).toMatchObject({ message: 'm20', bytesDone: 20 })
    vi.advanceTimersByTime(1000)
    expect(out).toHaveLength(2) // nothing new to say
    t.report({ message: 'late' })
    expect(out.at(-1)!.message).toBe('late')
    t.endStep()
    expect(out.at(-1)!.percent).toBe(100)
    t.dispose()
  })
})
