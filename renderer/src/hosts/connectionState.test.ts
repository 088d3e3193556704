import { describe, expect, it } from 'vitest'
import type { HostConnection } from '../../../shared/ssh'
import { idleConnection, nextShown, stateDetail, stateLabels } from './connectionState'

const at = (state: HostConnection['state'], since: string, reason?: string): HostConnection => ({ name: 'db1', state, since, ...(reason ? { reason } : {}) })

describe('nextShown', () => {
  it('takes what the core says', () => {
    expect(nextShown(undefined, at('connecting', 't1'))).toEqual({ ...at('connecting', 't1'), retrying: false })
    expect(nextShown(idleConnection('db1'), at('connected', 't2'))).toMatchObject({ state: 'connected', retrying: false })
  })

  it('keeps showing a lost host as unreachable (since the first failure) while the core retries', () => {
    const lost = nextShown(nextShown(undefined, at('connected', 't1')), at('unreachable', 't2', 'stopped answering'))
    const retry = nextShown(lost, at('connecting', 't3'))
    expect(retry).toMatchObject({ state: 'unreachable', since: 't2', reason: 'stopped answering', retrying: true })
    const failedAgain = nextShown(retry, at('unreachable', 't4', 'timed out'))
    expect(failedAgain).toMatchObject({ state: 'unreachable', since: 't2', reason: 'timed out', retrying: true })
    expect(nextShown(failedAgain, at('connected', 't5'))).toMatchObject({ state: 'connected', since: 't5', retrying: false })
  })

  it('does not turn other failures into retries', () => {
    const auth = nextShown(undefined, at('auth_failed', 't1', 'refused'))
    expect(nextShown(auth, at('connecting', 't2'))).toMatchObject({ state: 'connecting', retrying: false })
  })
})

describe('stateDetail', () => {
  it("prefers the core's reason and adds the retry", () => {
    expect(stateDetail({ ...at('unreachable', 't', 'Host 10.0.0.1 stopped answering.'), retrying: true })).toBe('Host 10.0.0.1 stopped answering. Reconnecting by itself…')
    expect(stateDetail({ ...at('auth_failed', 't', 'Tried: key /k'), retrying: false })).toBe('Tried: key /k')
  })

  it('says what to do when there is no reason', () => {
    expect(stateDetail(idleConnection('db1'))).toBe('Test the connection to connect.')
    expect(stateDetail({ ...at('connected', '2026-01-01T10:11:12Z'), retrying: false })).toMatch(/^Since \d\d:\d\d:\d\d$/)
  })

  it('has a label for every state', () => {
    expect(Object.keys(stateLabels).sort()).toEqual(['auth_failed', 'connected', 'connecting', 'host_key_changed', 'host_key_unknown', 'idle', 'shell_unsupported', 'unreachable'])
  })
})
