import { afterEach, describe, expect, it, vi } from 'vitest'
import { cachedFor } from './cached'

afterEach(() => vi.useRealTimers())

describe('cachedFor', () => {
  it('shares one read per key within the window and reads again after it', async () => {
    vi.useFakeTimers()
    const read = vi.fn(async (k: string) => `${k}:${read.mock.calls.length}`)
    const get = cachedFor(1000, read, (k) => k)
    expect(await get('a')).toBe('a:1')
    expect(await get('a')).toBe('a:1')
    expect(await get('b')).toBe('b:2')
    vi.advanceTimersByTime(1001)
    expect(await get('a')).toBe('a:3')
    expect(read).toHaveBeenCalledTimes(3)
  })

  it('forgets a failed read so the next caller tries again', async () => {
    let fail = true
    const read = vi.fn(async () => {
      if (fail) throw new Error('host1 did not answer')
      return 'ok'
    })
    const get = cachedFor(60_000, read, () => 'k')
    await expect(get('k')).rejects.toThrow('host1 did not answer')
    fail = false
    expect(await get('k')).toBe('ok')
    expect(read).toHaveBeenCalledTimes(2)
  })
})

describe('cachedFor: a kept read is announced', () => {
  it('tells the caller when a kept read is served and when a new one is due', async () => {
    vi.useFakeTimers()
    const hits: Array<[string, number]> = []
    const get = cachedFor(2000, async (k: string) => k, (k) => k, { afterHit: (k, ms) => hits.push([k, ms]) })
    await get('a')
    expect(hits).toEqual([])
    vi.advanceTimersByTime(500)
    await get('a')
    expect(hits).toEqual([['a', 1500]])
    vi.advanceTimersByTime(1600)
    await get('a')
    expect(hits).toHaveLength(1)
  })
})
