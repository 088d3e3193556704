import { describe, expect, it } from 'vitest'
import { analyse, firstAckAfter, overlaps } from './analyse'
import type { Attempt } from './types'

const at = (id: string, member: string, outcome: Attempt['outcome'], doneAt: number): Attempt => ({ id, member, sentAt: doneAt - 1, doneAt, outcome })

describe('analyse', () => {
  const attempts = [at('1', 'a', 'acknowledged', 10), at('2', 'a', 'acknowledged', 30), at('3', 'a', 'uncertain', 50), at('4', 'a', 'failed', 60), at('5', 'b', 'acknowledged', 400), at('6', 'b', 'acknowledged', 420)]
  const run = (present: string[]) =>
    analyse({ finalMember: 'b', attempts, present: new Map(present.map((id) => [id, 'x'])), timelines: {}, splits: [], start: 0, bucketMs: 100 })

  it('finds lost and phantom ids, and allows uncertain ones either way', () => {
    const r = run(['2', '3', '4', '5', '6', '99'])
    expect(r.lost).toEqual(['1'])
    expect(r.phantom).toEqual([
      { id: '4', member: 'x', why: 'recorded failed' },
      { id: '99', member: 'x', why: 'never attempted' },
    ])
    expect(r.uncertainPresent).toBe(1)
    expect(run(['1', '2', '5', '6'])).toMatchObject({ lost: [], phantom: [], acknowledged: 4, failed: 1, uncertain: 1, pending: 0 })
  })
  it('measures the longest gap between acknowledgements and the first ack per member', () => {
    const r = run(['1', '2', '5', '6'])
    expect(r.longestGap).toMatchObject({ ms: 370, fromId: '2', toId: '5', fromMember: 'a', toMember: 'b' })
    expect(r.firstAck).toEqual({ a: { id: '1', at: 10 }, b: { id: '5', at: 400 } })
    expect(r.acksOverTime.counts).toEqual({ a: [2], b: [0, 0, 0, 0, 2] })
  })
  it('times the first acknowledgement of a member after an instant', () => {
    expect(firstAckAfter(attempts, 'b', 100)).toEqual({ ms: 300, id: '5', at: 400 })
    expect(firstAckAfter(attempts, 'a', 100)).toBeUndefined()
  })
})

describe('overlaps', () => {
  it('reports writable spans of two members that meet, not ones that follow each other', () => {
    const w = (from: number, to: number) => ({ state: 'writable' as const, from, to })
    expect(overlaps({ a: [w(0, 100)], b: [{ state: 'not-writable', from: 0, to: 120 }, w(130, 200)] })).toEqual([])
    expect(overlaps({ a: [w(0, 100)], b: [w(90, 200)] })).toEqual([{ members: ['a', 'b'], from: 90, to: 100 }])
  })
})
