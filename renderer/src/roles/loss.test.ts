import { describe, expect, it } from 'vitest'
import { formatLoss, lossDetail, lossTone } from './loss'

describe('expected data loss', () => {
  it('none: synchronous for a failover, a clean stop for a switchover; green', () => {
    const loss = { kind: 'none' as const, text: 'ANY 1 of pg2, pg3: pg2 has every acknowledged write' }
    expect(formatLoss(loss)).toBe('none (synchronous)')
    expect(formatLoss(loss, 'switchover')).toBe('none (clean switchover)')
    expect(lossTone(loss)).toBe('ok')
    expect(lossDetail(loss)).toBe('ANY 1 of pg2, pg3: pg2 has every acknowledged write')
  })

  it('a bound in numbers: at least the bytes known missing, plus the seconds since the primary was seen; red', () => {
    const loss = { kind: 'bound' as const, bytes: 1_234_567, seconds: 4.5, text: 'pg2 received up to 0/3000000; pg1 was last seen at 0/312D687 4.5 s ago' }
    expect(formatLoss(loss)).toBe('at least 1.2 MB + up to 4.5 s of writes')
    expect(lossTone(loss)).toBe('bad')
    expect(formatLoss({ kind: 'bound', bytes: 0, seconds: 0.25, text: '' })).toBe('at least 0 B + up to 0.25 s of writes')
    expect(formatLoss({ kind: 'bound', bytes: 16_384, text: '' })).toBe('at least 16 kB')
    expect(formatLoss({ kind: 'bound', seconds: 185, text: '' })).toBe('up to 3 min 05 s of writes')
    expect(formatLoss({ kind: 'bound', text: 'the primary wrote while cut off' })).toBe('the primary wrote while cut off')
    expect(lossDetail({ kind: 'bound', bytes: 0, seconds: 0.25, text: '' })).toBeNull()
  })

  it('unknown with the reason, never twice "unknown"; red', () => {
    expect(formatLoss({ kind: 'unknown', text: 'no primary position was seen since ReplicaDesk started' })).toBe('unknown: no primary position was seen since ReplicaDesk started')
    expect(formatLoss({ kind: 'unknown', text: 'Unknown: pg1 was never seen' })).toBe('unknown: pg1 was never seen')
    expect(formatLoss({ kind: 'unknown', text: '' })).toBe('unknown')
    expect(lossTone({ kind: 'unknown' })).toBe('bad')
    expect(lossDetail({ kind: 'unknown', text: 'pg1 was never seen' })).toBeNull()
  })

  it('MariaDB counts transactions (a GTID distance) where PostgreSQL counts bytes; none is semi-sync', () => {
    const none = { kind: 'none' as const, transactions: 0, text: 'None: semi-sync was in force when db1 was last seen' }
    expect(formatLoss(none)).toBe('none (semi-sync)')
    expect(formatLoss(none, 'switchover')).toBe('none (clean switchover)')
    const bound = { kind: 'bound' as const, transactions: 3, seconds: 2.4, text: 'At least 3 transactions (the last position seen on db1, 0-1-45, minus what db2 received, 0-1-42)' }
    expect(formatLoss(bound)).toBe('at least 3 transactions + up to 2.4 s of writes')
    expect(lossDetail(bound)).toBe(bound.text)
    expect(lossTone(bound)).toBe('bad')
    expect(formatLoss({ kind: 'bound', transactions: 1, text: '' })).toBe('at least 1 transaction')
    expect(formatLoss({ kind: 'bound', transactions: 0, seconds: 0.5, text: '' })).toBe('at least 0 transactions + up to 0.5 s of writes')
  })
})
