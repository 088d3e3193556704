// The lag chart's ECharts option, built from the lag history: two stacked grids on one time
// axis (lag in bytes above, in seconds below), one line per standby in each, as a keyed-columns
// dataset (no per-point objects). Tooltips are drawn on the canvas (renderMode richText):
// ECharts' HTML tooltip writes inline style attributes, which the page's CSP (style-src 'self')
// refuses.
// A redraw costs ECharts time per line and per point (measured in Chromium here: 98 lines of 900
// points, ~35–40 ms). So past MAX_LINES standbys the chart draws the ones furthest behind over
// the window plus one line for the highest lag of all the others, and rows older than 2 minutes
// are merged per 5 s (their highest value): 50 members redraw in ~7 ms, and stay readable.
import type { LineSeriesOption } from 'echarts/charts'
import type { DatasetComponentOption, GridComponentOption, LegendComponentOption, TooltipComponentOption } from 'echarts/components'
import type { ComposeOption } from 'echarts/core'
import type { MemberStatus } from '../../../shared/status'
import { formatBytes, formatSeconds } from './format'
import type { LagHistory } from './history'

export type LagChartOption = ComposeOption<LineSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption | DatasetComponentOption>

export const bytesKey = (name: string) => `bytes:${name}`
export const secondsKey = (name: string) => `seconds:${name}`

/** Lines in the tooltip at most: the members furthest behind first. */
export const TOOLTIP_LINES = 8

interface TooltipParam {
  seriesName?: string
  value?: unknown
  axisValue?: unknown
  axisIndex?: number
  seriesIndex?: number
  encode?: Record<string, number[]>
  dimensionNames?: string[]
}

function valueOf(p: TooltipParam): number | null {
  const dims = p.encode?.y
  const v = p.value
  if (Array.isArray(v) && dims && dims.length) {
    const x = v[dims[0]!]
    return typeof x === 'number' && Number.isFinite(x) ? x : null
  }
  if (v && typeof v === 'object' && p.dimensionNames && dims?.length) {
    const x = (v as Record<string, unknown>)[p.dimensionNames[dims[0]!]!]
    return typeof x === 'number' && Number.isFinite(x) ? x : null
  }
  return typeof v === 'number' && Number.isFinite(v) ? v : null
}

/** The tooltip's text: the time, then per grid the members furthest behind. */
export function tooltipText(params: TooltipParam[], bytesSeries: number): string {
  if (!params.length) return ''
  const t = Number(params[0]!.axisValue)
  const head = Number.isFinite(t) ? new Date(t).toLocaleTimeString(undefined, { hour12: false }) : ''
  const part = (rows: TooltipParam[], fmt: (v: number) => string, title: string) => {
    const known = rows.flatMap((p) => {
      const v = valueOf(p)
      return v === null ? [] : [{ name: p.seriesName ?? '', v }]
    })
    if (!known.length) return []
    known.sort((a, b) => b.v - a.v || a.name.localeCompare(b.name))
    const shown = known.slice(0, TOOLTIP_LINES).map((k) => `${k.name}  ${fmt(k.v)}`)
    if (known.length > TOOLTIP_LINES) shown.push(`… ${known.length - TOOLTIP_LINES} more`)
    return [title, ...shown]
  }
  const bytes = params.filter((p) => (p.seriesIndex ?? 0) < bytesSeries)
  const seconds = params.filter((p) => (p.seriesIndex ?? 0) >= bytesSeries)
  return [head, ...part(bytes, formatBytes, 'Lag (bytes)'), ...part(seconds, formatSeconds, 'Lag (seconds)')].join('\n')
}

/** The members to draw: the standbys (a primary's lag is 0; a member not read yet has no role). */
export function chartedMembers(members: readonly Pick<MemberStatus, 'name' | 'role'>[], primary: string | null): string[] {
  return members.filter((m) => m.role === 'standby' && m.name !== primary).map((m) => m.name)
}

/** Lines drawn one per member at most; the rest share one "others" line. */
export const MAX_LINES = 10
export const OTHERS = 'others (highest)'

export interface LinePlan {
  /** Members with a line of their own, in the order given. */
  shown: string[]
  /** Members drawn only through the others line. */
  others: string[]
}

const maxOf = (xs: readonly (number | null)[]) => {
  let m = -1
  for (const x of xs) if (x !== null && x > m) m = x
  return m
}

/** Which members get a line: all when few, else the MAX_LINES furthest behind over the window (bytes, then seconds, then name). */
export function planLines(h: LagHistory, members: readonly string[], max = MAX_LINES): LinePlan {
  const present = members.filter((n) => h.columns.has(n))
  if (present.length <= max) return { shown: present, others: [] }
  const ranked = present
    .map((name, i) => ({ name, i, bytes: maxOf(h.columns.get(name)!.bytes), seconds: maxOf(h.columns.get(name)!.seconds) }))
    .sort((a, b) => b.bytes - a.bytes || b.seconds - a.seconds || a.i - b.i)
  const top = new Set(ranked.slice(0, max).map((r) => r.name))
  return { shown: present.filter((n) => top.has(n)), others: present.filter((n) => !top.has(n)) }
}

/** Per row, the highest value among the columns (null when none is known). */
export function rowMax(columns: readonly (readonly (number | null)[])[], rows: number): (number | null)[] {
  const out = new Array<number | null>(rows).fill(null)
  for (const col of columns) {
    for (let i = 0; i < rows; i++) {
      const v = col[i]
      if (v !== null && v !== undefined && (out[i] === null || v > out[i]!)) out[i] = v
    }
  }
  return out
}

/**
 * Rows drawn: the last `recentMs` one by one, older ones merged per `bucketMs` (each group ends
 * at `ends[i]`, drawn at its last row's time). 15 minutes at 1 s become ~280 points a line
 * instead of 900, which is what a redraw costs (ECharts processes every point of every line).
 */
export function rowGroups(t: readonly number[], recentMs: number, bucketMs: number): { at: number[]; ends: number[] } {
  const at: number[] = []
  const ends: number[] = []
  const last = t.length ? t[t.length - 1]! : 0
  for (let i = 0; i < t.length; i++) {
    const ti = t[i]!
    const next = t[i + 1]
    const recent = last - ti < recentMs
    // A row closes its group when it is recent, or the next row falls in another bucket.
    if (recent || next === undefined || last - next < recentMs || Math.floor(next / bucketMs) !== Math.floor(ti / bucketMs)) {
      at.push(ti)
      ends.push(i + 1)
    }
  }
  return { at, ends }
}

/** A column reduced to the groups: each group's highest known value (null when none). */
export function groupMax(col: readonly (number | null)[], ends: readonly number[]): (number | null)[] {
  const out = new Array<number | null>(ends.length)
  let start = 0
  for (let g = 0; g < ends.length; g++) {
    let m: number | null = null
    for (let i = start; i < ends[g]!; i++) {
      const v = col[i]
      if (v !== null && v !== undefined && (m === null || v > m)) m = v
    }
    out[g] = m
    start = ends[g]!
  }
  return out
}

export interface Resolution {
  recentMs: number
  bucketMs: number
}

/** Full resolution for the last 2 minutes, 5 s before. */
export const DEFAULT_RESOLUTION: Resolution = { recentMs: 120_000, bucketMs: 5_000 }

const atLeastAMinute = (extent: { min: number; max: number }) => Math.min(extent.min, extent.max - 60_000)

/** A round top for a value axis (1, 2 or 5 × 10^k, at least `floor`) and its tick interval. */
export function niceScale(max: number, floor: number): { max: number; interval: number } {
  const v = Math.max(max, floor)
  const p = 10 ** Math.floor(Math.log10(v))
  const m = [1, 2, 5, 10].find((x) => x * p >= v * (1 - 1e-9)) ?? 10
  const top = m * p
  return { max: top, interval: top / (m === 5 ? 5 : 4) }
}

function columnsMax(columns: readonly (readonly (number | null)[])[]): number {
  let m = 0
  for (const col of columns) for (const v of col) if (v !== null && v > m) m = v
  return m
}

/** The full option for a plan of lines (see planLines). */
export function lagChartOption(h: LagHistory, plan: LinePlan, resolution: Resolution = DEFAULT_RESOLUTION): LagChartOption {
  const { at, ends } = rowGroups(h.t, resolution.recentMs, resolution.bucketMs)
  const source: Record<string, readonly (number | null)[]> = { t: at }
  const present = plan.shown.filter((n) => h.columns.has(n))
  for (const name of present) {
    const col = h.columns.get(name)!
    source[bytesKey(name)] = groupMax(col.bytes, ends)
    source[secondsKey(name)] = groupMax(col.seconds, ends)
  }
  const others = plan.others.filter((n) => h.columns.has(n))
  const lines = [...present]
  if (others.length) {
    source[bytesKey(OTHERS)] = groupMax(rowMax(others.map((n) => h.columns.get(n)!.bytes), h.length), ends)
    source[secondsKey(OTHERS)] = groupMax(rowMax(others.map((n) => h.columns.get(n)!.seconds), h.length), ends)
    lines.push(OTHERS)
  }
  const bytesScale = niceScale(columnsMax(lines.map((n) => source[bytesKey(n)]!)), 1000)
  const secondsScale = niceScale(columnsMax(lines.map((n) => source[secondsKey(n)]!)), 1)
  const line = (name: string, y: string, axis: number): LineSeriesOption => ({
    type: 'line',
    name,
    datasetIndex: 0,
    encode: { x: 't', y },
    xAxisIndex: axis,
    yAxisIndex: axis,
    showSymbol: false,
    symbol: 'none',
    connectNulls: false,
    sampling: 'lttb',
    lineStyle: name === OTHERS ? { width: 1.5, type: 'dashed', color: '#98a2b3' } : { width: 1.5 },
    ...(name === OTHERS ? { itemStyle: { color: '#98a2b3' } } : {}),
    emphasis: { disabled: true },
    animation: false,
  })
  const axisLabel = { color: '#667085', fontSize: 11 }
  const splitLine = { lineStyle: { color: '#eef0f4' } }
  return {
    animation: false,
    dataset: [{ source: source as Record<string, (number | null)[]>, dimensions: [{ name: 't', type: 'time' }, ...lines.flatMap((n) => [bytesKey(n), secondsKey(n)])] }],
    legend: { type: 'scroll', top: 0, left: 0, right: 0, icon: 'roundRect', itemWidth: 12, itemHeight: 4, textStyle: { fontSize: 12, color: '#475467' } },
    tooltip: {
      trigger: 'axis',
      renderMode: 'richText',
      confine: true,
      axisPointer: { type: 'line', animation: false },
      formatter: ((params: unknown) => tooltipText((Array.isArray(params) ? params : [params]) as TooltipParam[], lines.length)) as TooltipComponentOption['formatter'],
    },
    axisPointer: { link: [{ xAxisIndex: 'all' }] },
    grid: [
      { left: 64, right: 16, top: 36, height: '33%' },
      { left: 64, right: 16, top: '60%', bottom: 28 },
    ],
    // At least the last minute, so a chart that just started does not stretch seconds across the
    // width; an idle cluster's flat zero under a scale of 1 kB and 1 s rather than of nothing.
    xAxis: [
      { type: 'time', gridIndex: 0, min: atLeastAMinute, minInterval: 1000, axisLabel: { show: false }, axisTick: { show: false }, splitLine: { show: false } },
      { type: 'time', gridIndex: 1, min: atLeastAMinute, minInterval: 1000, axisLabel: { ...axisLabel, formatter: '{HH}:{mm}:{ss}', hideOverlap: true }, splitLine: { show: false } },
    ],
    yAxis: [
      { type: 'value', gridIndex: 0, min: 0, ...bytesScale, axisLabel: { ...axisLabel, formatter: (v: number) => formatBytes(v) }, splitLine },
      { type: 'value', gridIndex: 1, min: 0, ...secondsScale, axisLabel: { ...axisLabel, formatter: (v: number) => formatSeconds(v) }, splitLine },
    ],
    series: [...lines.map((n) => line(n, bytesKey(n), 0)), ...lines.map((n) => line(n, secondsKey(n), 1))],
  }
}
