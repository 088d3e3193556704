import { describe, expect, it } from 'vitest'
import { settingsInput } from '../../../shared/clusters'
import { mariaCluster, type MariaClusterInput } from '../../../shared/mariadb'
import { mariaFormOf, mariaSettingsInput } from './mariaRedundancyForm'

const cluster = (over: Partial<MariaClusterInput> = {}) =>
  mariaCluster.parse({
    engine: 'mariadb',
    id: 'home',
    members: [
      { name: 'db1', host: 'host1', address: '10.0.0.1', dataDir: '/srv/mariadb/db1', serverId: 1 },
      { name: 'db2', host: 'host2', address: '10.0.0.2', dataDir: '/srv/mariadb/db2', serverId: 2 },
      { name: 'db3', host: 'host3', address: '10.0.0.3', dataDir: '/srv/mariadb/db3', serverId: 3, priority: 5, neverPromote: true },
    ],
    ...over,
  })

describe('MariaDB redundancy form', () => {
  it('reads the record: semi-sync, a fall-back after N s, members; replicas wanted default to those there', () => {
    const f = mariaFormOf(cluster())
    expect(f).toMatchObject({ semiSync: false, lostSync: 'available', relaxAfterS: 10, desiredReplicas: 2, notifyUrl: '' })
    expect(f.members.map((m) => [m.name, m.sync, m.priority, m.neverPromote])).toEqual([
      ['db1', false, 100, false],
      ['db2', false, 100, false],
      ['db3', false, 5, true],
    ])
  })

  it('a timeout of a day or more is strict', () => {
    expect(mariaFormOf(cluster({ semiSync: { enabled: true, timeoutMs: 4_294_967_295 } }))).toMatchObject({ semiSync: true, lostSync: 'strict', relaxAfterS: 10 })
    expect(mariaFormOf(cluster({ semiSync: { enabled: true, timeoutMs: 1500 } })).relaxAfterS).toBe(2)
  })

  it('unchanged, it sends semi-sync and the members only; the core accepts it', () => {
    const c = cluster()
    const input = mariaSettingsInput(c, mariaFormOf(c), { dryRun: true })
    expect(input).toEqual({
      cluster: 'home',
      semiSync: false,
      memberSettings: [
        { name: 'db1', sync: false, priority: 100, neverPromote: false },
        { name: 'db2', sync: false, priority: 100, neverPromote: false },
        { name: 'db3', sync: false, priority: 5, neverPromote: true },
      ],
      dryRun: true,
      yes: false,
    })
    expect(settingsInput.strict().safeParse(input).success).toBe(true)
  })

  it('semi-sync on with db2 acknowledging, strict: applied with yes', () => {
    const c = cluster()
    const f = mariaFormOf(c)
    f.semiSync = true
    f.lostSync = 'strict'
    f.members[1]!.sync = true
    const input = mariaSettingsInput(c, f, { dryRun: false })
    expect(input).toMatchObject({ semiSync: true, lostSync: 'strict', yes: true, dryRun: false })
    expect(input.relaxAfterS).toBeUndefined()
    expect(input.memberSettings?.find((m) => m.name === 'db2')?.sync).toBe(true)
  })

  it('a new fall-back timeout goes with available; a strict record keeps strict unless changed', () => {
    const c = cluster({ semiSync: { enabled: true, timeoutMs: 4_294_967_295 } })
    const f = mariaFormOf(c)
    expect(mariaSettingsInput(c, f, { dryRun: true }).lostSync).toBeUndefined()
    f.lostSync = 'available'
    f.relaxAfterS = 5000
    expect(mariaSettingsInput(c, f, { dryRun: true })).toMatchObject({ lostSync: 'available', relaxAfterS: 3600 })
  })

  it('replicas wanted and the notification URL: set, kept, or cleared with null', () => {
    const bare = cluster()
    const f = mariaFormOf(bare)
    f.desiredReplicas = 3
    f.notifyUrl = ' https://ntfy.sh/home '
    expect(mariaSettingsInput(bare, f, { dryRun: true })).toMatchObject({ desiredReplicas: 3, notifyUrl: 'https://ntfy.sh/home' })
    const set = cluster({ desiredReplicas: 2, notifyUrl: 'https://ntfy.sh/home' })
    const g = mariaFormOf(set)
    g.notifyUrl = ''
    const input = mariaSettingsInput(set, g, { dryRun: true })
    expect(input).toMatchObject({ desiredReplicas: 2, notifyUrl: null })
    expect(settingsInput.strict().safeParse(input).success).toBe(true)
  })
})
