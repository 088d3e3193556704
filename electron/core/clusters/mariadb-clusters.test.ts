import { describe, expect, it } from 'vitest'
import { settingsInput } from '../../../shared/clusters'
import { mariaCluster } from '../../../shared/mariadb'
import { mariaSettingsOf } from './mariadb-clusters'

const member = (name: string, serverId: number) => ({ name, host: `host${serverId}`, address: `10.0.0.${serverId}`, dataDir: `/srv/mariadb/${name}`, serverId })
const c = mariaCluster.parse({ engine: 'mariadb', id: 'shop', members: [member('m1', 1), member('m2', 2), member('m3', 3)] })
const input = (x: Record<string, unknown>) => settingsInput.parse({ cluster: 'shop', ...x })

describe('MariaDB redundancy settings from the settings input', () => {
  it('semi-sync on with one acknowledging replica; strict is the longest timeout MariaDB takes', () => {
    const on = mariaSettingsOf(c, input({ semiSync: true, member: 'm2', sync: true }))
    expect(on.semiSync).toEqual({ enabled: true, timeoutMs: 10_000 })
    expect(on.members.map((m) => m.sync)).toEqual([false, true, false])
    expect(mariaSettingsOf(on, input({ lostSync: 'strict' })).semiSync.timeoutMs).toBe(4_294_967_295)
    expect(mariaSettingsOf(on, input({ lostSync: 'available', relaxAfterS: 3 })).semiSync.timeoutMs).toBe(3000)
  })

  it('several members at once, priorities and never-promote kept in the record', () => {
    const next = mariaSettingsOf(c, input({ memberSettings: [{ name: 'm3', priority: 1, neverPromote: false }, { name: 'm2', neverPromote: true }] }))
    expect(next.members.map((m) => [m.name, m.priority, m.neverPromote])).toEqual([['m1', 100, false], ['m2', 100, true], ['m3', 1, false]])
  })

  it('refuses PostgreSQL-only settings by their flag names, and an unknown member', () => {
    expect(() => mariaSettingsOf(c, input({ syncNum: 2, walKeepSize: '1GB' }))).toThrow(/--sync-num, --wal-keep-size are not MariaDB settings/)
    expect(() => mariaSettingsOf(c, input({ restartPrimary: true }))).toThrow(/--restart-primary is not a MariaDB setting/)
    expect(() => mariaSettingsOf(c, input({ member: 'm9', sync: true }))).toThrow(/no member named m9/)
    expect(() => mariaSettingsOf(c, input({ sync: true }))).toThrow(/go with --member/)
  })

  it('the notification URL is set and removed', () => {
    const set = mariaSettingsOf(c, input({ notifyUrl: 'https://ntfy.sh/shop' }))
    expect(set.notifyUrl).toBe('https://ntfy.sh/shop')
    expect(mariaSettingsOf(set, input({ notifyUrl: 'none' })).notifyUrl).toBeUndefined()
  })
})
