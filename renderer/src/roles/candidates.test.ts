import { describe, expect, it } from 'vitest'
import type { CandidateView } from '../../../shared/operations'
import { behindText, behindTransactionsText, candidateRow, positionHeading, targetChoices } from './candidates'

const FENCED = 'fenced: it was stopped as a primary and may hold writes of its own, rejoin it first'
const view = (name: string, over: Partial<CandidateView> = {}): CandidateView => ({
  name,
  host: `host-${name}`,
  reachable: true,
  lsn: '0/3000060',
  behindBytes: 0,
  sync: false,
  priority: 100,
  neverPromote: false,
  ...over,
})

describe('behind', () => {
  it('caught up, bytes behind, or nothing when the core read no position', () => {
    expect([behindText(0), behindText(2_500_000), behindText(null)]).toEqual(['caught up', '2.5 MB behind', null])
  })
})

describe('candidate rows', () => {
  it('the chosen one, caught up', () => {
    expect(candidateRow(view('pg2', { host: 'host2', sync: true }), 'pg2')).toEqual({
      name: 'pg2',
      host: 'host2',
      chosen: true,
      reachable: 'yes',
      lsn: '0/3000060',
      behind: 'caught up',
      sync: 'synchronous',
      priority: '100',
      note: '',
      out: false,
    })
  })

  it("behind; excluded with the core's reason; unreachable", () => {
    expect(candidateRow(view('pg2', { behindBytes: 2_500_000 }), 'pg3')).toMatchObject({ chosen: false, behind: '2.5 MB behind', out: false })
    expect(candidateRow(view('pg2', { neverPromote: true, excluded: 'marked never-promote' }), 'pg3')).toMatchObject({ note: 'marked never-promote', out: true })
    expect(candidateRow(view('pg2', { reachable: false, lsn: null, behindBytes: null, excluded: 'not reachable' }), 'pg3')).toMatchObject({
      reachable: 'no',
      lsn: '–',
      behind: '–',
      note: 'not reachable',
      out: true,
    })
  })

  it('decides nothing itself: a member the core did not exclude is not shown as out', () => {
    expect(candidateRow(view('pg2', { neverPromote: true }), 'pg3')).toMatchObject({ note: '', out: false })
  })
})

/** A MariaDB candidate as the core sends it: GTID and transactions, no LSN or bytes. */
const maria = (name: string, over: Partial<CandidateView> = {}): CandidateView => view(name, { lsn: null, behindBytes: null, gtid: '0-1-42', behindTransactions: 0, ...over })

describe('MariaDB candidates: GTID and transactions in place of LSN and bytes', () => {
  it('behind in transactions', () => {
    expect([behindTransactionsText(0), behindTransactionsText(1), behindTransactionsText(12), behindTransactionsText(null), behindTransactionsText(undefined)]).toEqual([
      'caught up',
      '1 transaction behind',
      '12 transactions behind',
      null,
      null,
    ])
  })

  it('the row shows the GTID received, the transactions behind and semi-sync', () => {
    expect(candidateRow(maria('db2', { host: 'host2', sync: true, gtid: '0-1-42,1-2-7' }), 'db2')).toEqual({
      name: 'db2',
      host: 'host2',
      chosen: true,
      reachable: 'yes',
      lsn: '0-1-42, 1-2-7',
      behind: 'caught up',
      sync: 'semi-sync',
      priority: '100',
      note: '',
      out: false,
    })
    expect(candidateRow(maria('db3', { behindTransactions: 3 }), 'db2')).toMatchObject({ chosen: false, behind: '3 transactions behind', sync: 'asynchronous' })
    expect(candidateRow(maria('db3', { gtid: '' }), 'db2')).toMatchObject({ lsn: 'none' })
    // Not reachable: the core sends no gtid and null transactions.
    const gone = candidateRow(maria('db1', { reachable: false, gtid: undefined, behindTransactions: null, excluded: 'not reachable' }), 'db2')
    expect(gone).toMatchObject({ reachable: 'no', lsn: '–', behind: '–', note: 'not reachable', out: true })
  })

  it('the column heading follows the engine; the targets say transactions', () => {
    expect(positionHeading([view('pg2')])).toBe('WAL received')
    expect(positionHeading([maria('db2')])).toBe('GTID received')
    expect(positionHeading([])).toBe('WAL received')
    expect(targetChoices([maria('db2', { sync: true }), maria('db3', { behindTransactions: 5, excluded: 'marked never-promote' })])).toEqual([
      { name: 'db2', host: 'host-db2', note: 'semi-sync · priority 100 · caught up', disabled: false, why: null },
      { name: 'db3', host: 'host-db3', note: 'asynchronous · priority 100 · 5 transactions behind', disabled: true, why: 'marked never-promote' },
    ])
  })
})

describe('targets', () => {
  it("the core's candidates in its order, with what decides the choice; the ones it excludes disabled with its reason", () => {
    const core = [
      view('pg2', { sync: true }),
      view('pg3', { neverPromote: true, excluded: 'marked never-promote' }),
      view('pg4', { priority: 50, reachable: false, lsn: null, behindBytes: null, excluded: 'not reachable' }),
      view('pg5', { behindBytes: 20_000_000, excluded: FENCED }),
    ]
    expect(targetChoices(core)).toEqual([
      { name: 'pg2', host: 'host-pg2', note: 'synchronous · priority 100 · caught up', disabled: false, why: null },
      { name: 'pg3', host: 'host-pg3', note: 'asynchronous · priority 100 · caught up', disabled: true, why: 'marked never-promote' },
      { name: 'pg4', host: 'host-pg4', note: 'asynchronous · priority 50', disabled: true, why: 'not reachable' },
      { name: 'pg5', host: 'host-pg5', note: 'asynchronous · priority 100 · 20.0 MB behind', disabled: true, why: FENCED },
    ])
  })

  it('before the core has answered there is no list: nothing is judged here', () => {
    expect(targetChoices(null)).toEqual([])
    expect(targetChoices([])).toEqual([])
  })
})
