import { describe, expect, it } from 'vitest'
import { GAP_X, layoutTopology, NODE_H, NODE_W, PAD, perRowFor, type TopologyMember } from './topology'

const m = (name: string, role: TopologyMember['role'], upstream: string | null, state: TopologyMember['state'] = 'up'): TopologyMember => ({ name, role, upstream, state })

const overlaps = (a: { x: number; y: number }, b: { x: number; y: number }) => a.x < b.x + NODE_W && b.x < a.x + NODE_W && a.y < b.y + NODE_H && b.y < a.y + NODE_H

describe('layoutTopology', () => {
  it('one primary over one row: centred, an arrow to each replica, labels between the rows', () => {
    const l = layoutTopology([m('db2', 'standby', 'db1'), m('db1', 'primary', null), m('db3', 'standby', 'db1')], 'db1', 1200)
    expect(l.nodes.map((n) => [n.name, n.root])).toEqual([
      ['db1', true],
      ['db2', false],
      ['db3', false],
    ])
    const [p, a, b] = l.nodes
    expect(p!.y).toBe(PAD)
    expect(a!.y).toBe(b!.y)
    expect(a!.y).toBeGreaterThan(p!.y + NODE_H)
    // the primary centred over its row
    expect(p!.x + NODE_W / 2).toBeCloseTo((a!.x + b!.x + NODE_W) / 2)
    expect(l.edges.map((e) => [e.member, e.from, e.kind])).toEqual([
      ['db2', 'db1', 'streaming'],
      ['db3', 'db1', 'streaming'],
    ])
    for (const e of l.edges) {
      expect(e.labelY).toBeGreaterThan(p!.y + NODE_H)
      expect(e.labelY).toBeLessThan(a!.y)
      expect(e.d.endsWith(`V${a!.y}`)).toBe(true)
    }
  })

  it('a down or unread member hangs from the primary with a detached arrow', () => {
    const l = layoutTopology([m('db1', 'primary', null), m('db2', 'standby', 'db1', 'down'), m('db3', null, null, 'unknown')], 'db1', 1200)
    expect(l.edges.map((e) => [e.member, e.from, e.kind])).toEqual([
      ['db2', 'db1', 'detached'],
      ['db3', 'db1', 'detached'],
    ])
  })

  it('fifty members wrap into rows off a trunk on the left, with no box overlapping another or the trunk', () => {
    const members = [m('db1', 'primary', null), ...Array.from({ length: 49 }, (_, i) => m(`db${i + 2}`, 'standby', 'db1'))]
    const l = layoutTopology(members, 'db1', 1000)
    expect(l.nodes).toHaveLength(50)
    expect(l.edges).toHaveLength(49)
    const perRow = perRowFor(1000, 30)
    const rows = new Set(l.nodes.filter((n) => !n.root).map((n) => n.y))
    expect(rows.size).toBe(Math.ceil(49 / perRow))
    expect(l.width).toBeLessThanOrEqual(1000)
    for (let i = 0; i < l.nodes.length; i++) for (let j = i + 1; j < l.nodes.length; j++) expect(overlaps(l.nodes[i]!, l.nodes[j]!)).toBe(false)
    const trunkX = l.nodes[0]!.x + 16
    for (const n of l.nodes.filter((x) => !x.root)) expect(n.x).toBeGreaterThan(trunkX)
    for (const e of l.edges) expect(e.d.startsWith(`M${trunkX} `)).toBe(true)
    // natural order: db2, db3 … db10 before db11
    expect(l.nodes.slice(1, 4).map((n) => n.name)).toEqual(['db2', 'db3', 'db4'])
  })

  it('a cascading standby gets a straight arrow from its upstream, in a later row', () => {
    const l = layoutTopology([m('db1', 'primary', null), m('db2', 'standby', 'db1'), m('db3', 'standby', 'db2')], 'db1', 360 + 2 * PAD + GAP_X)
    const e3 = l.edges.find((e) => e.member === 'db3')!
    expect(e3.from).toBe('db2')
    expect(e3.d).toMatch(/^M[\d.]+ [\d.]+L[\d.]+ [\d.]+$/)
  })

  it('a split brain: both writable members on top, standbys under their upstream', () => {
    const l = layoutTopology([m('db1', 'primary', null), m('db2', 'primary', null), m('db3', 'standby', 'db1'), m('db4', 'standby', null, 'down')], null, 1200)
    expect(l.nodes.filter((n) => n.root).map((n) => n.name)).toEqual(['db1', 'db2'])
    expect(l.edges.map((e) => [e.member, e.from])).toEqual([['db3', 'db1']])
    expect(l.nodes.find((n) => n.name === 'db4')).toBeDefined()
  })

  it('no primary: every member in rows, no arrows', () => {
    const l = layoutTopology([m('db1', 'standby', null, 'down'), m('db2', 'standby', null, 'down')], null, 1200)
    expect(l.nodes.map((n) => n.y)).toEqual([PAD, PAD])
    expect(l.edges).toEqual([])
  })

  it('the same shape gives the same key; a width that fits the same boxes too', () => {
    const members = [m('db1', 'primary', null), m('db2', 'standby', 'db1')]
    expect(layoutTopology(members, 'db1', 900).key).toBe(layoutTopology(members, 'db1', 1100).key)
    expect(layoutTopology(members, 'db1', 900).key).not.toBe(layoutTopology([members[0]!, m('db2', 'standby', 'db1', 'down')], 'db1', 900).key)
  })
})
