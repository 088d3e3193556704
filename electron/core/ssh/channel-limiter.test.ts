import { describe, expect, it } from 'vitest'
import { ChannelLimiter } from './channel-limiter'

const tick = () => new Promise((r) => setTimeout(r, 0))

describe('ChannelLimiter', () => {
  it('never has more than the limit open and serves waiters in order', async () => {
    const l = new ChannelLimiter(3)
    let open = 0
    let peak = 0
    const order: number[] = []
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const release = await l.acquire()
        open++
        peak = Math.max(peak, open)
        order.push(i)
        await tick()
        open--
        release()
        release() // twice is harmless
      }),
    )
    expect(peak).toBe(3)
    expect(order).toEqual([...order].sort((a, b) => a - b))
    expect(l.open).toBe(0)
  })

  it('shrinks to what the server accepted', async () => {
    const l = new ChannelLimiter(8)
    const held = await Promise.all([l.acquire(), l.acquire(), l.acquire()])
    l.shrinkTo(2)
    expect(l.max).toBe(2)
    let got = false
    const waiting = l.acquire().then((r) => {
      got = true
      return r
    })
    held[0]!() // 3 -> 2 open: still at the limit, the waiter must wait
    await tick()
    expect(got).toBe(false)
    held[1]!()
    await tick()
    expect(got).toBe(true)
    ;(await waiting)()
    held[2]!()
    expect(l.open).toBe(0)
  })
})
