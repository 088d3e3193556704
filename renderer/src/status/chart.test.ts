import { describe, expect, it } from 'vitest'
import { bytesKey, chartedMembers, groupMax, lagChartOption, MAX_LINES, niceScale, OTHERS, planLines, rowGroups, rowMax, secondsKey, TOOLTIP_LINES, tooltipText } from './chart'
import { LagHistory } from './history'
import { bigCluster, historyOf, T0 } from './testing/fixtures'

describe('lag chart option', () => {
  it('one line per standby in each grid', () => {
    const s = bigCluster(4)
    const h = new LagHistory(s.members.map((m) => m.name), 10)
    h.pushStatus(T0, s)
    const shown = chartedMembers(s.members, s.primary)
    expect(shown).toEqual(['db2', 'db3', 'db4'])
    // a member not read yet (no role) or a primary has no line
    expect(chartedMembers([{ name: 'a', role: null }, { name: 'b', role: 'primary' }, { name: 'c', role: 'standby' }], null)).toEqual(['c'])
    expect(planLines(h, shown)).toEqual({ shown, others: [] })
    const o = lagChartOption(h, planLines(h, shown))
    const series = o.series as { name: string; encode: { y: string }; xAxisIndex: number }[]
    expect(series.map((x) => [x.name, x.encode.y, x.xAxisIndex])).toEqual([
      ['db2', bytesKey('db2'), 0],
      ['db3', bytesKey('db3'), 0],
      ['db4', bytesKey('db4'), 0],
      ['db2', secondsKey('db2'), 1],
      ['db3', secondsKey('db3'), 1],
      ['db4', secondsKey('db4'), 1],
    ])
    const source = (o.dataset as { source: Record<string, unknown> }[])[0]!.source
    expect(source.t).toEqual(h.t)
    expect(source[bytesKey('db3')]).toEqual(h.columns.get('db3')!.bytes)
    expect((o.tooltip as { renderMode: string }).renderMode).toBe('richText')
  })

  it('past MAX_LINES standbys: lines for the furthest behind over the window, one line for the highest of the others', () => {
    const s = bigCluster(30)
    const h = new LagHistory(s.members.map((m) => m.name), 1000)
    h.load(historyOf(s, 10, T0))
    // db7 fell far behind once, db29 is behind at the end
    h.columns.get('db7')!.bytes[3] = 9e9
    h.columns.get('db29')!.bytes[9] = 8e9
    const plan = planLines(h, chartedMembers(s.members, 'db1'))
    expect(plan.shown).toHaveLength(MAX_LINES)
    expect(plan.shown).toContain('db7')
    expect(plan.shown).toContain('db29')
    expect(plan.others).toHaveLength(29 - MAX_LINES)
    expect([...plan.shown, ...plan.others].sort()).toEqual(chartedMembers(s.members, 'db1').sort())
    const o = lagChartOption(h, plan)
    const series = o.series as { name: string; encode: { y: string } }[]
    expect(series).toHaveLength(2 * (MAX_LINES + 1))
    expect(series.filter((x) => x.name === OTHERS).map((x) => x.encode.y)).toEqual([bytesKey(OTHERS), secondsKey(OTHERS)])
    const source = (o.dataset as { source: Record<string, (number | null)[]> }[])[0]!.source
    expect(source[bytesKey(OTHERS)]).toEqual(rowMax(plan.others.map((n) => h.columns.get(n)!.bytes), 10))
  })

  it('draws the last 2 minutes row by row and older rows merged per 5 s, keeping their highest lag', () => {
    const t = Array.from({ length: 901 }, (_, i) => T0 + i * 1000)
    const { at, ends } = rowGroups(t, 120_000, 5_000)
    expect(at.at(-1)).toBe(t.at(-1))
    expect(ends.at(-1)).toBe(901)
    expect(at.filter((x) => t.at(-1)! - x < 120_000)).toHaveLength(120)
    expect(at.length).toBeLessThan(300)
    // groups never mix old and recent rows, and cover every row once, in order
    let start = 0
    for (const end of ends) {
      expect(end).toBeGreaterThan(start)
      const rows = t.slice(start, end)
      expect(new Set(rows.map((x) => t.at(-1)! - x < 120_000)).size).toBe(1)
      if (t.at(-1)! - rows[0]! >= 120_000) expect(new Set(rows.map((x) => Math.floor(x / 5000))).size).toBe(1)
      start = end
    }
    expect(groupMax([1, 9, null, null, 3], [2, 4, 5])).toEqual([9, null, 3])
    expect(rowGroups([], 1000, 100)).toEqual({ at: [], ends: [] })
  })

  it('value axes end on a round number, at least 1 kB and 1 s (an idle cluster draws its zero under a scale)', () => {
    expect(niceScale(0, 1000)).toEqual({ max: 1000, interval: 250 })
    expect(niceScale(1001, 1000)).toEqual({ max: 2000, interval: 500 })
    expect(niceScale(3_400_000, 1000)).toEqual({ max: 5_000_000, interval: 1_000_000 })
    expect(niceScale(0.4, 1)).toEqual({ max: 1, interval: 0.25 })
    expect(niceScale(7, 1)).toEqual({ max: 10, interval: 2.5 })
    expect(niceScale(1000, 1000).max).toBe(1000)
  })

  it('rowMax keeps unknown rows unknown', () => {
    expect(rowMax([[1, null, 3], [2, null, null]], 3)).toEqual([2, null, 3])
    expect(rowMax([], 2)).toEqual([null, null])
  })

  it('the tooltip lists the members furthest behind first, bytes then seconds', () => {
    const params = Array.from({ length: 12 }, (_, i) => ({ seriesName: `db${i + 2}`, seriesIndex: i, axisValue: T0, value: [T0, i * 1000], encode: { x: [0], y: [1] } }))
    const seconds = [{ seriesName: 'db2', seriesIndex: 12, axisValue: T0, value: [T0, 0.5], encode: { x: [0], y: [1] } }]
    const text = tooltipText([...params, ...seconds], 12).split('\n')
    expect(text[1]).toBe('Lag (bytes)')
    expect(text[2]).toBe('db13  11 kB')
    expect(text).toContain(`… ${12 - TOOLTIP_LINES} more`)
    expect(text.slice(-2)).toEqual(['Lag (seconds)', 'db2  0.5 s'])
    expect(tooltipText([], 0)).toBe('')
  })
})
