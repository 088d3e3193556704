import { describe, expect, it } from 'vitest'
import { patroniCluster as c, patroniInput as input, patroniView as status, running } from '../../../../../e2e/support/patroni/fixtures'
import { parseCluster } from '../model'
import { patroniAssessment } from './assessment'

describe('the judgement a role change through Patroni shows with its plan', () => {
  it('synchronous: the synchronous standby is the candidate, nothing is lost; the others say why not', () => {
    const a = patroniAssessment(c, status, 'failover', { from: 'pt1', to: 'pt2' }, false)
    expect(a).toMatchObject({ from: 'pt1', to: 'pt2', loss: { kind: 'none' }, reason: expect.stringMatching(/synchronous standby/) })
    expect(a.candidates.map((v) => [v.name, v.excluded ?? ''])).toEqual([
      ['pt1', "Patroni's leader now"],
      ['pt2', ''],
      ['pt3', 'never promoted (nofailover tag)'],
    ])
  })

  it('asynchronous failover: the loss bound is the candidate\'s lag Patroni reports, in bytes; unknown without one', () => {
    const a = parseCluster({ ...input, members: input.members.map((m) => ({ ...m, sync: false, neverPromote: false })) })
    const s = { ...status, members: [running('pt1', 'leader'), running('pt2', 'replica', 900), running('pt3', 'replica', null)] }
    expect(patroniAssessment(a, s, 'failover', { from: 'pt1', to: 'pt2' }, true).loss).toMatchObject({ kind: 'bound', bytes: 900 })
    expect(patroniAssessment(a, s, 'failover', { from: 'pt1', to: 'pt3' }, true).loss.kind).toBe('unknown')
    expect(patroniAssessment(a, s, 'switchover', { from: 'pt1', to: 'pt2' }, true)).toMatchObject({ loss: { kind: 'none' }, reason: 'pt2 was named.' })
  })
})
