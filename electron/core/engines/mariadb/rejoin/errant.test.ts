// Errant GTIDs in the strict-mode sense: what a rejoin refuses to follow with.
import { describe, expect, it } from 'vitest'
import { errantCount, errantGtids, formatErrant, purgedDomains } from './errant'

const primary = (gtidBinlogState: string, o: { slave?: string; pos?: string } = {}) => ({ gtidBinlogState, gtidBinlogPos: o.pos ?? '', gtidSlavePos: o.slave ?? '', gtidCurrentPos: '' })

describe('errantGtids', () => {
  it('a member that is simply behind has none', () => {
    expect(errantGtids({ gtidBinlogState: '0-1-50', gtidCurrentPos: '0-1-50' }, primary('0-1-100'))).toEqual([])
    // An old primary whose last writes reached the new one before it took over.
    expect(errantGtids({ gtidBinlogState: '0-1-100', gtidCurrentPos: '0-1-100' }, primary('0-1-100,0-2-130'))).toEqual([])
    // Nothing written at all.
    expect(errantGtids({ gtidBinlogState: '', gtidCurrentPos: '' }, primary('0-1-3'))).toEqual([])
  })

  it("an old primary's unsent transactions are errant though the new primary's sequence numbers are higher", () => {
    const r = errantGtids({ gtidBinlogState: '0-1-103', gtidCurrentPos: '0-1-103' }, primary('0-1-100,0-2-130'))
    expect(r).toEqual([{ domain: 0, server: 1, from: 101n, to: 103n }])
    expect(formatErrant(r)).toBe('0-1-101…0-1-103')
    expect(errantCount(r)).toBe(3)
  })

  it('a write on a stale replica (its own server id) is errant from the point they share', () => {
    const r = errantGtids({ gtidBinlogState: '0-1-40,0-2-41', gtidCurrentPos: '0-2-41' }, primary('0-1-60'))
    expect(formatErrant(r)).toBe('0-2-41')
  })

  it('a domain the primary never had is errant whole', () => {
    expect(formatErrant(errantGtids({ gtidBinlogState: '0-1-10,5-2-3', gtidCurrentPos: '0-1-10,5-2-3' }, primary('0-1-12')))).toBe('5-2-1…5-2-3')
  })

  it("counts what the primary applied before its own binary log began (a member made from a copy)", () => {
    expect(errantGtids({ gtidBinlogState: '0-1-100', gtidCurrentPos: '0-1-100' }, primary('0-2-130', { slave: '0-1-100' }))).toEqual([])
  })
})

describe('purgedDomains', () => {
  it('names the domains whose needed transactions are in purged logs only', () => {
    expect(purgedDomains('0-1-50', '0-1-40,0-2-45')).toEqual([])
    expect(purgedDomains('0-1-50', '0-1-50')).toEqual([])
    expect(purgedDomains('0-1-50,1-1-3', '0-2-80,1-1-2')).toEqual([{ domain: 0, has: 50n, startsAfter: 80n }])
    expect(purgedDomains('', '0-1-5')).toEqual([{ domain: 0, has: 0n, startsAfter: 5n }])
    expect(purgedDomains('0-1-50', '')).toEqual([])
  })
})
