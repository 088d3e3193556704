// The host picker's answer: members marked, free hosts ranked by failure domain, the new
// member named and placed in the cluster's own pattern.
import { describe, expect, it } from 'vitest'
import type { Host } from '../../../shared/hosts'
import { pgCluster, type PgCluster } from '../../../shared/postgres'
import { hostCandidates } from './candidates'

const host = (name: string, failureDomain?: string, user = 'postgres'): Host => ({ id: name, name, address: `10.0.0.${name.replace(/\D/g, '') || 9}`, port: 22, user, createdAt: '', updatedAt: '', ...(failureDomain && { failureDomain }) })
const member = (name: string, h: string, dataDir: string, port = 5432) => ({ name, host: h, address: `10.0.0.${h.replace(/\D/g, '')}`, port, dataDir, access: 'postgres' as const })
const cluster = (id: string, members: ReturnType<typeof member>[]): PgCluster => pgCluster.parse({ id, major: '15', replicationRole: 'replicadesk', members })

describe('host candidates', () => {
  const demo = cluster('demo', [member('pg1', 'host1', '/var/lib/postgresql/15/demo'), member('pg2', 'host2', '/var/lib/postgresql/15/demo')])
  const hosts = [host('host1', 'rack 1'), host('host2', 'rack 1'), host('host3', 'rack 1'), host('host4', 'rack 2'), host('host5')]

  it('marks the members, prefers a failure domain no member uses, then unlabelled hosts, then the rest', () => {
    const c = hostCandidates(demo, [demo], hosts)
    expect(c.filter((x) => x.members.length).map((x) => `${x.host}:${x.members.join(',')}:${x.rank}`)).toEqual(['host1:pg1:null', 'host2:pg2:null'])
    const free = c.filter((x) => x.rank !== null).sort((a, b) => a.rank! - b.rank!)
    expect(free.map((x) => x.host)).toEqual(['host4', 'host5', 'host3'])
    expect(free[0]!.why).toBe('failure domain "rack 2", where no member runs')
    expect(c.find((x) => x.host === 'host1')!.why).toBe('runs pg1 of demo')
  })

  it('names and places the new member like the others: pg3 in the same data dir, whichever host', () => {
    const c = hostCandidates(demo, [demo], hosts)
    expect(c.find((x) => x.host === 'host3')).toMatchObject({ name: 'pg3', dataDir: '/var/lib/postgresql/15/demo', port: 5432 })
    expect(c.find((x) => x.host === 'host5')).toMatchObject({ name: 'pg3' })
    expect(c.find((x) => x.host === 'host1')!.name).toBeUndefined()
  })

  it('follows a data dir named after its member, and moves off what another cluster uses there', () => {
    const own = cluster('own', [member('db1', 'host1', '/srv/pg/db1'), member('db2', 'host2', '/srv/pg/db2', 5433)])
    const other = cluster('other', [member('x1', 'host3', '/srv/pg/db3')])
    const c = hostCandidates(own, [own, other], [host('host1'), host('host2'), host('host3')])
    expect(c.find((x) => x.host === 'host3')).toMatchObject({ name: 'db3', dataDir: '/srv/pg/db3-2', port: 5433 })
  })
})
