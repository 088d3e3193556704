import { describe, expect, it } from 'vitest'
import { backoffDelay, defaultBackoff } from './backoff'

describe('backoffDelay', () => {
  const middle = () => 0.5 // no jitter

  it('starts quick and doubles', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, defaultBackoff, middle))).toEqual([250, 500, 1000, 2000, 4000])
  })

  it('is capped', () => {
    expect(backoffDelay(6, defaultBackoff, middle)).toBe(5000)
    expect(backoffDelay(60, defaultBackoff, middle)).toBe(5000)
  })

  it('spreads by the jitter fraction either way', () => {
    expect(backoffDelay(3, defaultBackoff, () => 0)).toBe(800)
    expect(backoffDelay(3, defaultBackoff, () => 1)).toBe(1200)
  })

  it('treats nonsense attempts as the first', () => {
    expect(backoffDelay(0, defaultBackoff, middle)).toBe(250)
    expect(backoffDelay(-3, defaultBackoff, middle)).toBe(250)
  })
})
