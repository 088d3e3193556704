// The verdict history: one entry per change of outcome, kept as long as the lag history, the
// entry in force at the start of a window read with it, bounded in count.
import { describe, expect, it } from 'vitest'
import type { HealthVerdict } from '../../../shared/health'
import { VerdictHistory } from './history'

const T0 = Date.parse('2026-01-01T10:00:00Z')
function v(sec: number, state: HealthVerdict['state'], ids: string[] = [], noLoss = 1): HealthVerdict {
  return {
    cluster: 'c',
    at: new Date(T0 + sec * 1000).toISOString(),
    state,
    noLoss: { failures: noLoss, why: '' },
    writes: { failures: 1, why: '' },
    // The text of a finding changes with its numbers; only the id counts as a change.
    findings: ids.map((id) => ({ id, severity: 'warning', text: `${id} at ${sec}`, fix: '' })),
    serviceAddress: null,
  }
}

describe('verdict history', () => {
  it('adds an entry only when the state, a survival number or the set of findings changes', () => {
    const h = new VerdictHistory({ seconds: 900, maxEntries: 901 })
    h.add(v(0, 'healthy', ['no-backup']))
    h.add(v(1, 'healthy', ['no-backup']))
    h.add(v(2, 'degraded', ['down:db3', 'no-backup']))
    h.add(v(3, 'degraded', ['no-backup', 'down:db3'])) // same set, another order
    h.add(v(4, 'degraded', ['down:db3', 'no-backup'], 0))
    h.add(v(5, 'degraded', ['down:db3', 'no-backup', 'slot-fill:rd_db3'], 0))
    h.add(v(6, 'healthy', ['no-backup']))
    expect(h.read(900, T0 + 7000)).toEqual([
      { at: '2026-01-01T10:00:00.000Z', state: 'healthy', noLoss: 1, writes: 1, findings: ['no-backup'] },
      { at: '2026-01-01T10:00:02.000Z', state: 'degraded', noLoss: 1, writes: 1, findings: ['down:db3', 'no-backup'] },
      { at: '2026-01-01T10:00:04.000Z', state: 'degraded', noLoss: 0, writes: 1, findings: ['down:db3', 'no-backup'] },
      { at: '2026-01-01T10:00:05.000Z', state: 'degraded', noLoss: 0, writes: 1, findings: ['down:db3', 'no-backup', 'slot-fill:rd_db3'] },
      { at: '2026-01-01T10:00:06.000Z', state: 'healthy', noLoss: 1, writes: 1, findings: ['no-backup'] },
    ])
  })

  it('reads a window led by the verdict in force when it starts; a quiet cluster still has its current verdict', () => {
    const h = new VerdictHistory({ seconds: 900, maxEntries: 901 })
    h.add(v(0, 'healthy'))
    h.add(v(100, 'degraded', ['down:db2']))
    h.add(v(200, 'healthy'))
    expect(h.read(15, T0 + 220_000).map((e) => e.state)).toEqual(['healthy'])
    expect(h.read(50, T0 + 220_000).map((e) => e.at.slice(14, 19))).toEqual(['01:40', '03:20'])
    expect(h.read(150, T0 + 220_000)).toHaveLength(3)
  })

  it('forgets what is older than the horizon except what held then, and never holds more than its bound', () => {
    const h = new VerdictHistory({ seconds: 900, maxEntries: 901 })
    h.add(v(0, 'healthy'))
    h.add(v(10, 'degraded', ['down:db2']))
    h.add(v(20, 'healthy'))
    h.add(v(1000, 'degraded', ['down:db3']))
    // 10:00:20 still held at 10:01:40 (the horizon): it stays, the two before it go.
    expect(h.read(900, T0 + 1_000_000).map((e) => e.at.slice(14, 19))).toEqual(['00:20', '16:40'])
    expect(h.size).toBe(2)

    const small = new VerdictHistory({ seconds: 900, maxEntries: 3 })
    for (let s = 0; s < 10; s++) small.add(v(s, s % 2 ? 'degraded' : 'healthy'))
    expect(small.size).toBe(3)
    expect(small.read(900, T0 + 10_000).map((e) => e.at.slice(17, 19))).toEqual(['07', '08', '09'])
  })
})
