import { describe, expect, it } from 'vitest'
import { mariaCluster } from '../../../../shared/mariadb'
import type { ClusterStatus, MemberStatus } from '../../../../shared/status'
import { mariaSurvival, mariaSyncUnmet } from './survival'

const cluster = (semi: { enabled: boolean; timeoutMs?: number }, sync: string[] = ['m2'], extra: object = {}) =>
  mariaCluster.parse({ engine: 'mariadb', id: 'c', semiSync: semi, ...extra, members: ['m1', 'm2', 'm3'].map((n, i) => ({ name: n, host: `h${i}`, address: `10.0.0.${i + 1}`, dataDir: `/d/${n}`, serverId: i + 1, sync: sync.includes(n) })) })
const member = (name: string, role: 'primary' | 'standby', semiSync: 'on' | 'off' = 'on', up = true): MemberStatus =>
  ({ name, state: up ? 'up' : 'down', role, gtid: { ioRunning: role === 'standby' ? 'Yes' : null, sqlRunning: role === 'standby' ? 'Yes' : null, semiSync } }) as MemberStatus
const status = (members: MemberStatus[]) => ({ primary: 'm1', splitBrain: null, members }) as unknown as ClusterStatus

describe('what a MariaDB cluster survives', () => {
  it('semi-sync in force: one failure without loss; writes go on after a failover to either replica', () => {
    const v = mariaSurvival(cluster({ enabled: true }), status([member('m1', 'primary'), member('m2', 'standby'), member('m3', 'standby', 'off')]))
    expect(v.noLoss).toMatchObject({ failures: 1 })
    expect(v.noLoss.why).toMatch(/on m1 and on at least one of m2/)
    expect(v.writes.failures).toBe(2)
  })

  it('fallen back, or asynchronous: the last writes may be on the primary only', () => {
    expect(mariaSurvival(cluster({ enabled: true }), status([member('m1', 'primary', 'off'), member('m2', 'standby'), member('m3', 'standby')])).noLoss).toMatchObject({ failures: 0, why: expect.stringMatching(/runs asynchronously now/) })
    expect(mariaSurvival(cluster({ enabled: false }), status([member('m1', 'primary'), member('m2', 'standby'), member('m3', 'standby')])).noLoss.why).toMatch(/^asynchronous/)
  })

  it('strict semi-sync with one semi-sync replica: losing it makes writes wait; syncUnmet says so when it is gone', () => {
    const c = cluster({ enabled: true, timeoutMs: 4_294_967_295 })
    const v = mariaSurvival(c, status([member('m1', 'primary'), member('m2', 'standby'), member('m3', 'standby', 'off')]))
    expect(v.writes).toMatchObject({ failures: 0, why: expect.stringMatching(/if m2 fails, writes stop or wait/) })
    expect(mariaSyncUnmet(c, status([member('m1', 'primary'), member('m2', 'standby', 'on', false), member('m3', 'standby', 'off')]))).toMatch(/none does/)
    expect(mariaSyncUnmet(cluster({ enabled: true }), status([member('m1', 'primary')]))).toBeUndefined()
  })

  it('a never-promote replica is no way out: one promotable replica left means one failure', () => {
    const c = cluster({ enabled: false }, [], {})
    const next = mariaCluster.parse({ ...c, members: c.members.map((m) => (m.name === 'm3' ? { ...m, neverPromote: true } : m)) })
    expect(mariaSurvival(next, status([member('m1', 'primary'), member('m2', 'standby'), member('m3', 'standby')])).writes).toMatchObject({ failures: 1, why: expect.stringMatching(/if m1 and m2 fail/) })
  })
})
