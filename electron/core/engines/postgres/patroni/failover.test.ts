import { describe, expect, it } from 'vitest'
import { patroniCluster as c, patroniInput as input, patroniView as status, running } from '../../../../../e2e/support/patroni/fixtures'
import { parseCluster } from '../model'
import { failoverBody, failoverTarget } from './failover'
import { patroniFailoverSummary } from './summary'

describe('failover through Patroni: the request and what is refused', () => {
  it('the body names the candidate only (with a leader Patroni would take it as a switchover)', () => {
    expect(failoverBody('pt2')).toEqual({ candidate: 'pt2' })
  })

  it('synchronous mode: to Patroni\'s synchronous standby, with or without a leader; the running members follow', () => {
    expect(failoverTarget(c, status)).toEqual({ from: 'pt1', to: 'pt2', followers: ['pt1', 'pt3'] })
    expect(failoverTarget(c, status, 'pt2')).toEqual({ from: 'pt1', to: 'pt2', followers: ['pt1', 'pt3'] })
    const leaderless = { leader: null, paused: false, members: [running('pt2', 'sync_standby'), running('pt3', 'replica')] }
    expect(failoverTarget(c, leaderless, 'pt2')).toEqual({ from: null, to: 'pt2', followers: ['pt3'] })
  })

  it('refused with the reason: not the synchronous standby, never-promote, the leader, stopped, paused', () => {
    const a = parseCluster({ ...input, members: input.members.map((m) => ({ ...m, sync: false })) })
    expect(() => failoverTarget(a, status, 'pt3')).toThrow(/never promoted \(Patroni's nofailover tag\)/)
    const noNever = parseCluster({ ...input, members: input.members.map((m) => ({ ...m, neverPromote: false })) })
    expect(() => failoverTarget(noNever, status, 'pt3')).toThrow(/only to its synchronous standby.*pt3 is replica.*now: pt2/)
    expect(() => failoverTarget(c, status, 'pt1')).toThrow(/leader already/)
    expect(() => failoverTarget(c, { ...status, members: [running('pt1', 'leader'), { ...running('pt2', 'sync_standby'), state: 'stopped' }] }, 'pt2')).toThrow(/not running under Patroni \(stopped\)/)
    expect(() => failoverTarget(c, { ...status, paused: true }, 'pt2')).toThrow(/paused/)
    expect(() => failoverTarget(c, { ...status, members: [running('pt1', 'leader'), running('pt3', 'replica')] })).toThrow(/no synchronous standby/)
  })

  it('asynchronous: the running replica with the least lag that may be promoted', () => {
    const a = parseCluster({ ...input, members: input.members.map((m) => ({ ...m, sync: false, neverPromote: false })) })
    const s = { ...status, members: [running('pt1', 'leader'), running('pt2', 'replica', 900), running('pt3', 'replica', 10)] }
    expect(failoverTarget(a, s).to).toBe('pt3')
  })

  it('the plan says that Patroni decides and what it may refuse', () => {
    const text = patroniFailoverSummary({ cluster: c, from: 'pt1', to: 'pt2' }).join(' ')
    expect(text).toMatch(/Patroni decides/)
    expect(text).toMatch(/refuses a candidate tagged never-promote/)
    expect(patroniFailoverSummary({ cluster: c, from: null, to: 'pt2' })[0]).toMatch(/No member leads now/)
  })
})
