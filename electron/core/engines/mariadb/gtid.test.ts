// GTID positions and the distance between a replica and the primary, pure.
import { describe, expect, it } from 'vitest'
import { gtidDistance, parseGtidPosition, transactionsBehind } from './gtid'

describe('GTID positions', () => {
  it('parses one GTID per domain, spaces and line breaks included, and skips what it cannot read', () => {
    const p = parseGtidPosition('0-1-42,\n 1-2-7, junk, 2-3-x,3-4-18446744073709551615')
    expect([...p.keys()]).toEqual([0, 1, 3])
    expect(p.get(0)).toEqual({ domain: 0, server: 1, seq: 42n })
    expect(p.get(3)!.seq).toBe(18446744073709551615n) // 64-bit sequence numbers stay exact
    expect(parseGtidPosition('').size).toBe(0)
    expect(parseGtidPosition(null).size).toBe(0)
  })
})

describe('GTID distance', () => {
  const d = (p: string, r: string) => gtidDistance(parseGtidPosition(p), parseGtidPosition(r))

  it('is the sequence difference in one domain, 0 when level', () => {
    expect(d('0-1-42', '0-1-40').behind).toBe(2)
    expect(d('0-1-42', '0-1-42').behind).toBe(0)
  })

  it('adds up every domain', () => {
    const r = d('0-1-100,1-1-50,2-3-9', '0-1-90,1-1-50,2-3-4')
    expect(r.behind).toBe(15)
    expect(r.domains.map((x) => [x.domain, x.behind])).toEqual([[0, 10], [1, 0], [2, 5]])
    expect(r.missing).toEqual([])
  })

  it('counts a domain the replica lacks whole, and names it', () => {
    const r = d('0-1-10,5-2-3', '0-1-10')
    expect(r.behind).toBe(3)
    expect(r.missing).toEqual([5])
    expect(r.domains[1]).toMatchObject({ domain: 5, replicaSeq: null, behind: 3 })
  })

  it('ignores which server wrote a GTID: a domain sequence goes on across a failover', () => {
    // db2 was promoted at 0-1-40 and wrote 0-2-41 … 0-2-45; a replica still at db1's last GTID lacks 5
    expect(d('0-2-45', '0-1-40').behind).toBe(5)
    expect(d('0-2-45', '0-2-45').behind).toBe(0)
  })

  it('reads gaps in the sequence as an upper bound (sequence numbers, not events)', () => {
    // gtid_seq_no set by hand jumped from 10 to 1000: the replica at 10 lacks one transaction, the figure says 990
    expect(d('0-1-1000', '0-1-10').behind).toBe(990)
  })

  it('never goes negative: a replica ahead in a domain (read later, or diverged) counts 0 there and is named', () => {
    const r = d('0-1-10,1-1-5', '0-1-12,1-1-3')
    expect(r.behind).toBe(2)
    expect(r.ahead).toEqual([0])
  })

  it('names domains only the replica has (written on the replica itself) without counting them', () => {
    const r = d('0-1-10', '0-1-10,9-7-3')
    expect(r.behind).toBe(0)
    expect(r.extra).toEqual([9])
  })

  it('an empty primary position: nothing to lack; an unreadable one: unknown', () => {
    expect(transactionsBehind('', '0-1-3')).toBe(0)
    expect(transactionsBehind('0-1-3', '')).toBe(3)
    expect(transactionsBehind('garbage', '0-1-3')).toBeNull()
    expect(transactionsBehind(null, '0-1-3')).toBeNull()
  })

  it('clamps a distance beyond 2^53 to the largest safe integer', () => {
    expect(d('0-1-18446744073709551615', '').behind).toBe(Number.MAX_SAFE_INTEGER)
  })
})
