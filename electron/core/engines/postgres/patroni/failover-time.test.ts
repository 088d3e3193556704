import { describe, expect, it } from 'vitest'
import { TIMINGS } from './config'
import { describeExpectedFailover, expectedFailover, PATRONI_DEFAULT_TIMINGS, timingsProblem } from './failover-time'

describe('expected failover time of Patroni 3.0.2 + etcd 3.4', () => {
  it('ReplicaDesk\'s defaults replace a powered-off primary in about 11 s, 14 s when its host also led etcd', () => {
    expect(expectedFailover(TIMINGS)).toEqual({ fromS: 10.5, typicalS: 11, toS: 14 })
    expect(timingsProblem(TIMINGS)).toBeUndefined()
  })

  it('Patroni\'s own defaults: 24.5–37 s (36.3 s measured when etcd\'s leader died too)', () => {
    expect(expectedFailover(PATRONI_DEFAULT_TIMINGS)).toEqual({ fromS: 24.5, typicalS: 29.5, toS: 37 })
    expect(timingsProblem(PATRONI_DEFAULT_TIMINGS)).toBeUndefined()
  })

  it('the timings the hand-over wrote before (ttl 10, loop_wait 2) fit the 12.3–17 s measured', () => {
    expect(expectedFailover({ ttl: 10, loop_wait: 2, retry_timeout: 3 })).toEqual({ fromS: 12.5, typicalS: 13.5, toS: 17 })
  })

  it('refuses what Patroni refuses: loop_wait + 2 × retry_timeout above ttl, fractions', () => {
    expect(timingsProblem({ ttl: 6, loop_wait: 1, retry_timeout: 3 })).toMatch(/loop_wait \+ 2 × retry_timeout \(7 s\) must not exceed ttl \(6 s\)/)
    expect(timingsProblem({ ttl: 7, loop_wait: 0.5, retry_timeout: 3 })).toMatch(/whole seconds/)
  })

  it('one sentence for the plan', () => {
    expect(describeExpectedFailover(TIMINGS)).toBe('With ttl 7 s, loop_wait 1 s and retry_timeout 3 s a powered-off primary is replaced in about 11 s (10.5–14 s; the longest only when its host also led etcd, which each new primary hands to another voter), with nobody clicking; a network blip shorter than 3 s changes nothing.')
  })
})
