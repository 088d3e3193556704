// The renderer's copy of applyDiff, on the cases the core's reference (electron/core/status/
// diff.ts, logic.test.ts "diffs") is tested with, plus what the store relies on: identity of
// unchanged members, seq gaps, heartbeats, and events replayed after a status.get.
import { describe, expect, it } from 'vitest'
import { clusterStatus, statusEvent, type ClusterStatus, type MemberStatus, type StatusEvent } from '../../../shared/status'
import { applyDiff, applyEvent, replay, type DiffBody } from './apply'
import { clusterOf, iso, primaryMember, standbyMember, T0 } from './testing/fixtures'

const a = () => clusterOf([primaryMember('db1'), standbyMember('db2', 'db1')])

/** What the core's diffCluster sends for a → b (field by field, by value): the test's oracle. */
function diffOf(before: ClusterStatus, after: ClusterStatus): Omit<DiffBody, 'seq' | 'at'> {
  const byName = new Map(before.members.map((m) => [m.name, m]))
  const members: DiffBody['members'][number][] = []
  for (const m of after.members) {
    const prev = byName.get(m.name)
    const changes: Partial<MemberStatus> = {}
    for (const k of Object.keys(m) as (keyof MemberStatus)[]) {
      if (!prev || JSON.stringify(prev[k]) !== JSON.stringify(m[k])) (changes as Record<string, unknown>)[k] = m[k]
    }
    if (Object.keys(changes).length) members.push({ name: m.name, changes })
  }
  const clusterChanges: Record<string, unknown> = {}
  for (const k of ['primary', 'splitBrain', 'otherSlots', 'lastPrimary'] as const) {
    if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) clusterChanges[k] = after[k]
  }
  return Object.keys(clusterChanges).length ? { members, clusterChanges } : { members }
}

const diffEvent = (seq: number, body: Omit<DiffBody, 'seq' | 'at'>, at = iso(T0 + seq * 1000)): StatusEvent => ({ kind: 'diff', cluster: 'c1', seq, at, ...body, members: [...body.members] })
const heartbeat = (seq: number): StatusEvent => ({ kind: 'heartbeat', cluster: 'c1', seq, at: iso(T0 + seq * 1000 + 500) })

describe('applyDiff (the reference cases)', () => {
  it('carries only changed fields and applies back to the same snapshot', () => {
    const before = a()
    const after = clusterOf([primaryMember('db1', { currentLsn: '0/5000100' }), standbyMember('db2', 'db1', { receiveLsn: '0/5000100', lagBytes: 0x100, lagSeconds: null })], { at: iso(T0 + 1000) })
    const d = diffOf(before, after)
    expect(d).toEqual({
      members: [
        { name: 'db1', changes: { currentLsn: '0/5000100' } },
        { name: 'db2', changes: { receiveLsn: '0/5000100', lagBytes: 0x100, lagSeconds: null } },
      ],
    })
    const applied = applyDiff(before, { ...d, seq: 1, at: after.at })
    expect(applied).toEqual({ ...after, seq: 1 })
    expect(clusterStatus.safeParse(applied).success).toBe(true)
    expect(statusEvent.safeParse(diffEvent(1, d, after.at)).success).toBe(true)
  })

  it('a down member and a split brain', () => {
    const before = a()
    const down = { code: 'not_running' as const, reason: 'db2 on h-db2: PostgreSQL is not running', since: iso(T0) }
    const after = clusterOf([primaryMember('db1'), standbyMember('db2', 'db1', { state: 'down', down, stale: true, lagBytes: null, lagSeconds: null })], {
      primary: null,
      splitBrain: { members: ['db1', 'db3'], since: iso(T0), message: 'x' },
    })
    const d = diffOf(before, after)
    expect(d.members).toEqual([{ name: 'db2', changes: { state: 'down', down, stale: true, lagBytes: null, lagSeconds: null } }])
    expect(d.clusterChanges).toEqual({ primary: null, splitBrain: after.splitBrain })
    expect(applyDiff(before, { ...d, seq: 7, at: after.at })).toEqual({ ...after, seq: 7 })
  })

  it('keeps the objects of members the diff does not name, and ignores names it does not know (as the reference)', () => {
    const before = clusterOf([primaryMember('db1'), standbyMember('db2', 'db1'), standbyMember('db3', 'db1')])
    const next = applyDiff(before, { seq: 1, at: iso(T0 + 1000), members: [{ name: 'db3', changes: { lagBytes: 5 } }, { name: 'ghost', changes: { lagBytes: 1 } }] })
    expect(next.members[0]).toBe(before.members[0])
    expect(next.members[1]).toBe(before.members[1])
    expect(next.members[2]).not.toBe(before.members[2])
    expect(next.members[2]!.lagBytes).toBe(5)
    expect(next.members.map((m) => m.name)).toEqual(['db1', 'db2', 'db3'])
    expect(before.members[2]!.lagBytes).toBe(0) // the old copy is not touched
    // No member changes: the same members array
    expect(applyDiff(before, { seq: 2, at: iso(T0), members: [], clusterChanges: { primary: null } }).members).toBe(before.members)
  })

  it('round-trips random changes over many members', () => {
    let seed = 42
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    let copy = clusterOf([primaryMember('db1'), ...Array.from({ length: 30 }, (_, i) => standbyMember(`db${i + 2}`, 'db1'))])
    let truth = copy
    for (let seq = 1; seq <= 200; seq++) {
      const members = truth.members.map((m) => {
        if (rnd() < 0.6) return m
        const r = rnd()
        if (r < 0.4) return { ...m, lagBytes: Math.floor(rnd() * 1e7), lagSeconds: Math.round(rnd() * 1000) / 100 }
        if (r < 0.6) return { ...m, state: 'down' as const, down: { code: 'timeout' as const, reason: `${m.name} timed out`, since: iso(T0 + seq) }, stale: true, lagBytes: null, lagSeconds: null }
        if (r < 0.8) return { ...m, state: 'up' as const, down: null, stale: false }
        return { ...m, slot: m.slot ? { ...m.slot, retainedBytes: Math.floor(rnd() * 1e9) } : null }
      })
      const next: ClusterStatus = { ...truth, members, at: iso(T0 + seq * 1000), primary: rnd() < 0.05 ? null : 'db1' }
      const d = diffOf(truth, next)
      copy = applyDiff(copy, { ...d, seq, at: next.at })
      truth = { ...next, seq }
      expect(copy).toEqual(truth)
    }
  })
})

describe('applyEvent', () => {
  it('a snapshot replaces the copy, with the event seq', () => {
    const r = applyEvent(null, { kind: 'snapshot', cluster: 'c1', seq: 9, at: iso(T0), snapshot: { ...a(), seq: 3 } })
    expect(r).toMatchObject({ kind: 'applied', status: { seq: 9 } })
  })

  it('applies the next diff, skips old or repeated ones, and asks again on a gap', () => {
    const copy = { ...a(), seq: 4 }
    const d = { members: [{ name: 'db2', changes: { lagBytes: 10 } }] }
    const next = applyEvent(copy, diffEvent(5, d))
    expect(next.kind).toBe('applied')
    expect(next.kind === 'applied' && next.status.seq).toBe(5)
    expect(applyEvent(copy, diffEvent(4, d))).toEqual({ kind: 'unchanged' })
    expect(applyEvent(copy, diffEvent(2, d))).toEqual({ kind: 'unchanged' })
    expect(applyEvent(copy, diffEvent(7, d))).toMatchObject({ kind: 'refetch', why: 'diff 7 after 4: missed 2' })
    expect(applyEvent(null, diffEvent(1, d))).toMatchObject({ kind: 'refetch' })
  })

  it('a diff naming a member the copy lacks asks again (the member list changed under us)', () => {
    expect(applyEvent({ ...a(), seq: 1 }, diffEvent(2, { members: [{ name: 'db9', changes: { lagBytes: 1 } }] }))).toMatchObject({ kind: 'refetch' })
  })

  it('a heartbeat agrees, or asks again', () => {
    const copy = { ...a(), seq: 4 }
    expect(applyEvent(copy, heartbeat(4))).toEqual({ kind: 'unchanged' })
    expect(applyEvent(copy, heartbeat(6))).toMatchObject({ kind: 'refetch' })
    expect(applyEvent(copy, heartbeat(2))).toMatchObject({ kind: 'refetch' }) // a restarted core counts again
    expect(applyEvent(null, heartbeat(0))).toMatchObject({ kind: 'refetch' })
  })
})

describe('replay after status.get', () => {
  const d = (name: string, lagBytes: number) => ({ members: [{ name, changes: { lagBytes } }] })

  it('skips what the answer holds and applies the rest in seq order', () => {
    const fetched = { ...a(), seq: 5 }
    const r = replay(fetched, [diffEvent(4, d('db2', 4)), diffEvent(7, d('db2', 7)), diffEvent(5, d('db2', 5)), diffEvent(6, d('db2', 6)), heartbeat(7)])
    expect(r.refetch).toBeNull()
    expect(r.status.seq).toBe(7)
    expect(r.status.members[1]!.lagBytes).toBe(7)
  })

  it('a gap after the answer, or a heartbeat ahead of it, asks again', () => {
    const fetched = { ...a(), seq: 5 }
    expect(replay(fetched, [diffEvent(7, d('db2', 7))]).refetch).toContain('missed 1')
    expect(replay(fetched, [heartbeat(8)]).refetch).toContain('heartbeat 8')
    // a heartbeat older than the answer is no news
    expect(replay(fetched, [heartbeat(3)]).refetch).toBeNull()
  })

  it('a snapshot among the buffered events starts over from it', () => {
    const fetched = { ...a(), seq: 5 }
    const snap: StatusEvent = { kind: 'snapshot', cluster: 'c1', seq: 2, at: iso(T0), snapshot: clusterOf([primaryMember('db1')], { seq: 2 }) }
    const r = replay(fetched, [diffEvent(6, d('db2', 6)), snap, diffEvent(3, { members: [{ name: 'db1', changes: { timeline: 2 } }] })])
    expect(r.refetch).toBeNull()
    expect(r.status.members.map((m) => [m.name, m.timeline])).toEqual([['db1', 2]])
    expect(r.status.seq).toBe(3)
  })
})
