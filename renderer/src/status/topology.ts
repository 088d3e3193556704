// Where the topology view draws each member and each arrow. The primary on top; the members
// it feeds in rows beneath, wrapped to the width available: one row hangs centred under the
// primary like an org chart; several rows hang off a trunk on the left, one bus per row, so
// no line crosses a box. A standby fed by another standby (cascading) gets a straight arrow
// from that one. Without a single primary (none, or a split brain) the writable ones form the
// top row and arrows go only where an upstream is known. Pure: plain numbers for an SVG.
import type { MemberStatus } from '../../../shared/status'

export const NODE_W = 176
/** Name, badge, state, host: one line each. */
export const NODE_H = 74
export const GAP_X = 18
/** Vertical space between rows: the bus and the lag label live here. */
export const ROW_GAP = 58
export const PAD = 10
const TRUNK_GUTTER = 30

export type TopologyMember = Pick<MemberStatus, 'name' | 'role' | 'state' | 'upstream'>

export interface NodeBox {
  name: string
  x: number
  y: number
  root: boolean
}

export interface EdgeLine {
  /** The member the arrow points at (the receiving standby). */
  member: string
  from: string
  /** streaming: it receives WAL now; detached: down, not read yet, or no upstream. */
  kind: 'streaming' | 'detached'
  /** SVG path data. */
  d: string
  /** Where the lag label is centred. */
  labelX: number
  labelY: number
}

export interface TopologyLayout {
  /** Equal keys, equal layouts: lets a view keep the old object (and skip a re-render). */
  key: string
  width: number
  height: number
  nodes: NodeBox[]
  edges: EdgeLine[]
}

/** How many boxes fit side by side in `width` pixels (at least one). */
export function perRowFor(width: number, indent = 0): number {
  return Math.max(1, Math.floor((width - 2 * PAD - indent + GAP_X) / (NODE_W + GAP_X)))
}

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name, undefined, { numeric: true })

export function layoutTopology(members: readonly TopologyMember[], primary: string | null, width: number): TopologyLayout {
  const names = new Set(members.map((m) => m.name))
  const single = primary !== null && names.has(primary)
  const roots = single ? members.filter((m) => m.name === primary) : members.filter((m) => m.role === 'primary').sort(byName)
  const rootSet = new Set(roots.map((r) => r.name))

  // Each other member's parent: its upstream when that is a member; else the single primary.
  const parentOf = new Map<string, string | null>()
  for (const m of members) {
    if (rootSet.has(m.name)) continue
    const up = m.upstream !== null && names.has(m.upstream) && m.upstream !== m.name ? m.upstream : null
    parentOf.set(m.name, up ?? (single ? primary : null))
  }
  // Depth from a root (cycles and dead ends count as depth 1, fed by nobody we know).
  const depthOf = (name: string): number => {
    let d = 0
    let at: string | null | undefined = name
    const seen = new Set<string>()
    while (at && !rootSet.has(at) && !seen.has(at)) {
      seen.add(at)
      at = parentOf.get(at)
      d++
    }
    return at && rootSet.has(at) ? d : 1
  }
  const others = members.filter((m) => !rootSet.has(m.name)).map((m) => ({ m, depth: depthOf(m.name) }))
  others.sort((a, b) => a.depth - b.depth || byName(a.m, b.m))

  const streams = (m: TopologyMember) => m.state === 'up' && m.upstream !== null
  const nodes: NodeBox[] = []
  const edges: EdgeLine[] = []
  const box = new Map<string, NodeBox>()
  const place = (name: string, x: number, y: number, root: boolean) => {
    const n = { name, x, y, root }
    nodes.push(n)
    box.set(name, n)
  }

  let perRow = perRowFor(width)
  // Several rows under one primary hang off a trunk in a gutter on the left.
  const trunk = single && others.length > perRow
  if (trunk) perRow = perRowFor(width, TRUNK_GUTTER)
  const rows: (typeof others)[] = []
  for (let i = 0; i < others.length; i += perRow) rows.push(others.slice(i, i + perRow))

  const rowWidth = (n: number) => n * NODE_W + Math.max(0, n - 1) * GAP_X
  const left = PAD + (trunk ? TRUNK_GUTTER : 0)
  const widest = Math.max(rowWidth(roots.length), ...rows.map((r) => rowWidth(r.length)), NODE_W)
  const contentWidth = left + widest + PAD

  // Top row: the root(s); one root over a single row is centred over it.
  const rowY = (r: number) => PAD + (r + 1) * (NODE_H + ROW_GAP)
  if (roots.length) {
    const rootsWidth = rowWidth(roots.length)
    const x0 = trunk ? PAD : left + Math.max(0, (widest - rootsWidth) / 2)
    roots.forEach((r, i) => place(r.name, x0 + i * (NODE_W + GAP_X), PAD, true))
  }
  rows.forEach((row, r) => {
    const x0 = left + (trunk ? 0 : Math.max(0, (widest - rowWidth(row.length)) / 2))
    row.forEach(({ m }, i) => place(m.name, x0 + i * (NODE_W + GAP_X), roots.length ? rowY(r) : PAD + r * (NODE_H + ROW_GAP), false))
  })

  const root = single ? box.get(primary) : undefined
  for (const { m } of others) {
    const parent = parentOf.get(m.name) ?? null
    const from = parent ? box.get(parent) : undefined
    const to = box.get(m.name)!
    if (!from) continue
    const cx = to.x + NODE_W / 2
    const top = to.y
    const kind = streams(m) ? 'streaming' : 'detached'
    if (root && from === root) {
      // Comb: down the trunk (or from the primary's centre), along the row's bus, down to the box.
      const busY = top - ROW_GAP * 0.72
      const startX = trunk ? root.x + 16 : root.x + NODE_W / 2
      edges.push({ member: m.name, from: from.name, kind, d: `M${startX} ${root.y + NODE_H}V${busY}H${cx}V${top}`, labelX: cx, labelY: busY + (top - busY) / 2 + 2 })
    } else {
      const sx = from.x + NODE_W / 2
      const sy = from.y + NODE_H
      edges.push({ member: m.name, from: from.name, kind, d: `M${sx} ${sy}L${cx} ${top}`, labelX: (sx + cx) / 2, labelY: (sy + top) / 2 })
    }
  }

  const height = Math.max(...nodes.map((n) => n.y + NODE_H), PAD) + PAD
  const key = JSON.stringify([contentWidth, nodes.map((n) => [n.name, n.x, n.y]), edges.map((e) => [e.member, e.from, e.kind])])
  return { key, width: contentWidth, height, nodes, edges }
}
