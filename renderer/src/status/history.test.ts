import { describe, expect, it } from 'vitest'
import { LagHistory } from './history'
import { bigCluster, clusterOf, historyOf, primaryMember, standbyMember, T0 } from './testing/fixtures'

const status = (lag: number | null) => clusterOf([primaryMember('db1'), standbyMember('db2', 'db1', { lagBytes: lag, lagSeconds: lag === null ? null : lag / 1000 })])

describe('LagHistory', () => {
  it('appends one row per newer time and keeps at most its capacity, oldest dropped first', () => {
    const h = new LagHistory(['db1', 'db2'], 3)
    expect(h.pushStatus(T0, status(1))).toBe(true)
    expect(h.pushStatus(T0, status(2))).toBe(false) // not newer
    expect(h.pushStatus(T0 - 5, status(2))).toBe(false)
    for (let i = 1; i <= 4; i++) h.pushStatus(T0 + i * 1000, status(i === 3 ? null : i * 10))
    expect(h.t).toEqual([T0 + 2000, T0 + 3000, T0 + 4000])
    expect(h.columns.get('db2')).toEqual({ bytes: [20, null, 40], seconds: [0.02, null, 0.04] })
    expect(h.columns.get('db1')!.bytes).toEqual([0, 0, 0])
    expect(h.version).toBe(5)
  })

  it('is sized for the window at the period', () => {
    expect(LagHistory.forWindow(['a'], 1000).capacity).toBe(901)
    expect(LagHistory.forWindow(['a'], 500, 60).capacity).toBe(121)
  })

  it('loads the core history and keeps the rows gathered after its last one', () => {
    const s = bigCluster(3)
    const h = new LagHistory(['db1', 'db2', 'db3', 'db4'], 10)
    h.pushStatus(T0 - 500, s) // older than the loaded history's end: replaced by it
    h.pushStatus(T0 + 1000, s)
    h.pushStatus(T0 + 2000, s)
    const core = historyOf(s, 5, T0)
    h.load(core)
    expect(h.t).toEqual([...core.t, T0 + 1000, T0 + 2000])
    expect(h.columns.get('db2')!.bytes).toEqual([...core.members[1]!.lagBytes, 0, 0])
    // a member the core's history lacks: nulls for its rows
    expect(h.columns.get('db4')!.bytes).toEqual([null, null, null, null, null, null, null])
    // capacity applies to the loaded rows too
    h.load(historyOf(s, 20, T0))
    expect(h.length).toBe(10)
    expect(h.t.at(-1)).toBe(T0 + 2000)
    for (const col of h.columns.values()) expect(col.bytes).toHaveLength(10)
  })

  it('tells whether it fits a member list', () => {
    const h = new LagHistory(['a', 'b'], 2)
    expect(h.fits(['a', 'b'])).toBe(true)
    expect(h.fits(['b', 'a'])).toBe(false)
    expect(h.fits(['a'])).toBe(false)
  })
})
