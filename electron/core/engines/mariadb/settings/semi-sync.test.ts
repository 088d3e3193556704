import { describe, expect, it } from 'vitest'
import { parseSemiSync, sameSemiSync, setSemiSyncSql, wantedSemiSync, withSemiSyncLines } from './semi-sync'

const c = { semiSync: { enabled: true, timeoutMs: 10_000 } }

describe('MariaDB semi-sync settings', () => {
  it('wants the record\'s values: the primary side on every member, the replica side per member', () => {
    expect(wantedSemiSync(c, { sync: false })).toEqual({ rpl_semi_sync_master_enabled: 'ON', rpl_semi_sync_master_timeout: '10000', rpl_semi_sync_master_wait_point: 'AFTER_SYNC', rpl_semi_sync_slave_enabled: 'OFF' })
    expect(wantedSemiSync({ semiSync: { enabled: false, timeoutMs: 5 } }, { sync: true }).rpl_semi_sync_slave_enabled).toBe('ON')
  })

  it('reads the server\'s 1/0 answers and compares, the wait point included', () => {
    const running = parseSemiSync(['1', '10000', 'AFTER_SYNC', '0'])
    expect(sameSemiSync(running, wantedSemiSync(c, { sync: false }), 'AFTER_SYNC')).toBe(true)
    expect(sameSemiSync(running, wantedSemiSync(c, { sync: false }), 'AFTER_COMMIT')).toBe(false)
    expect(sameSemiSync(running, wantedSemiSync(c, { sync: true }), 'AFTER_SYNC')).toBe(false)
  })

  it('SET GLOBAL statements carry only ON/OFF, digits and AFTER_SYNC', () => {
    expect(setSemiSyncSql(wantedSemiSync(c, { sync: true })).split('\n')).toEqual([
      'SET GLOBAL rpl_semi_sync_master_enabled = ON;',
      'SET GLOBAL rpl_semi_sync_master_timeout = 10000;',
      'SET GLOBAL rpl_semi_sync_master_wait_point = AFTER_SYNC;',
      'SET GLOBAL rpl_semi_sync_slave_enabled = ON;',
    ])
  })

  it('rewrites only the semi-sync lines of an option file and adds the missing ones', () => {
    const text = '# ours\n[mariadbd]\nlog_bin = /srv/old/mysql-bin\nrpl-semi-sync-master-enabled = OFF\nrpl_semi_sync_master_timeout = 10000\n'
    const out = withSemiSyncLines(text, wantedSemiSync(c, { sync: true }))
    expect(out).toBe('# ours\n[mariadbd]\nlog_bin = /srv/old/mysql-bin\nrpl_semi_sync_master_enabled = ON\nrpl_semi_sync_master_timeout = 10000\nrpl_semi_sync_master_wait_point = AFTER_SYNC\nrpl_semi_sync_slave_enabled = ON\n')
  })
})
