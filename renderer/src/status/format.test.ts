import { describe, expect, it } from 'vitest'
import { diskTone, formatBytes, formatDisk, formatLag, formatSeconds, formatSlot, formatSync, formatUptime, lagTone, positionOf, roleLabel, slotTone, stateLabel, stateTone } from './format'
import { iso, primaryMember, standbyMember, T0 } from './testing/fixtures'

describe('numbers', () => {
  it('bytes in decimal units', () => {
    expect(formatBytes(null)).toBe('–')
    expect(formatBytes(-1)).toBe('–')
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(999)).toBe('999 B')
    expect(formatBytes(1500)).toBe('1.5 kB')
    expect(formatBytes(16_384)).toBe('16 kB')
    expect(formatBytes(3_400_000)).toBe('3.4 MB')
    expect(formatBytes(1_250_000_000)).toBe('1.25 GB')
    expect(formatBytes(2e12)).toBe('2.00 TB')
  })

  it('seconds at every scale', () => {
    expect(formatSeconds(null)).toBe('–')
    expect(formatSeconds(0)).toBe('0 s')
    expect(formatSeconds(0.25)).toBe('0.25 s')
    expect(formatSeconds(0.0004)).toBe('0.0004 s')
    expect(formatSeconds(4.54)).toBe('4.5 s')
    expect(formatSeconds(42.4)).toBe('42 s')
    expect(formatSeconds(185)).toBe('3 min 05 s')
    expect(formatSeconds(7800)).toBe('2 h 10 min')
  })

  it('lag as one label, with a tone when it is worth a look', () => {
    expect(formatLag({ lagBytes: 1_200_000, lagSeconds: 0.4 })).toBe('1.2 MB · 0.4 s')
    expect(formatLag({ lagBytes: 256, lagSeconds: null })).toBe('256 B · –')
    expect(formatLag({ lagBytes: null, lagSeconds: null })).toBe('–')
    expect(lagTone({ lagBytes: 0, lagSeconds: 0 })).toBe('ok')
    expect(lagTone({ lagBytes: 20e6, lagSeconds: 0 })).toBe('warn')
    expect(lagTone({ lagBytes: 0, lagSeconds: 6 })).toBe('warn')
    expect(lagTone({ lagBytes: null, lagSeconds: null })).toBe('none')
  })

  it('uptime in minutes', () => {
    expect(formatUptime(null, T0)).toBe('–')
    expect(formatUptime('nonsense', T0)).toBe('–')
    expect(formatUptime(iso(T0 - 30_000), T0)).toBe('under a minute')
    expect(formatUptime(iso(T0 - 5 * 60_000), T0)).toBe('5 min')
    expect(formatUptime(iso(T0 - 125 * 60_000), T0)).toBe('2 h 05 min')
    expect(formatUptime(iso(T0 - 50 * 3600_000), T0)).toBe('2 d 2 h')
    expect(formatUptime(iso(T0 + 60_000), T0)).toBe('under a minute') // a clock ahead of ours
  })
})

describe('disk and slots', () => {
  it('disk free with its share, and a tone when it runs low', () => {
    const d = (free: number, total = 100e9) => ({ path: '/x', freeBytes: free, totalBytes: total, at: iso(T0) })
    expect(formatDisk(null)).toBe('–')
    expect(formatDisk(d(40e9))).toBe('40.00 GB free of 100.00 GB (40 %)')
    expect(diskTone(d(40e9))).toBe('ok')
    expect(diskTone(d(8e9))).toBe('warn')
    expect(diskTone(d(1.5e9, 10e9))).toBe('warn')
    expect(diskTone(d(2e9))).toBe('bad')
    expect(diskTone(d(300e6, 1e9))).toBe('bad')
  })

  it('slots: name, WAL retained, state', () => {
    const s = { name: 'rd_db2', active: true, retainedBytes: 2_000_000, walStatus: 'reserved', safeWalSizeBytes: null }
    expect(formatSlot(s)).toBe('rd_db2 · retains 2.0 MB')
    expect(formatSlot({ ...s, active: false, walStatus: 'extended' })).toBe('rd_db2 (inactive) · retains 2.0 MB · extended')
    expect(formatSlot(null)).toBe('–')
    expect(slotTone(s)).toBe('ok')
    expect(slotTone({ ...s, walStatus: 'lost' })).toBe('bad')
    expect(slotTone({ ...s, active: false, retainedBytes: 5e9 })).toBe('warn')
  })
})

describe('members', () => {
  it('state, role, sync and position labels', () => {
    const p = primaryMember('db1')
    const s = standbyMember('db2', 'db1', { syncState: 'sync', replayLsn: '0/4000000' })
    const down = standbyMember('db3', 'db1', { state: 'down', down: { code: 'ssh_unreachable', reason: 'x', since: iso(T0) }, stale: true })
    expect(stateLabel(p)).toBe('Up')
    expect(stateLabel(down)).toBe('Host unreachable')
    expect(stateLabel({ state: 'unknown', down: null })).toBe('Not read yet')
    expect([stateTone(p), stateTone(down), stateTone({ state: 'up', stale: true }), stateTone({ state: 'unknown', stale: false })]).toEqual(['ok', 'bad', 'warn', 'none'])
    expect(roleLabel(p)).toBe('primary')
    expect(roleLabel({ role: 'primary', writable: false })).toBe('primary (read-only)')
    expect(roleLabel({ role: null, writable: null })).toBe('role unknown')
    expect(formatSync(s)).toBe('synchronous, streaming')
    expect(formatSync({ role: 'standby', syncState: null, senderState: null })).toBe('not streaming')
    expect(formatSync(p)).toBe('–')
    expect(positionOf(p)).toBe('0/5000000')
    expect(positionOf(s)).toBe('0/4000000')
  })
})
