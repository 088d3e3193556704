// A new replica in the cluster's own pattern, and what a settings change that adds or removes
// replicas writes to the record as its journal goes.
import { describe, expect, it } from 'vitest'
import { parseCluster } from '../engines/postgres'
import { newMemberLike } from './replica-defaults'
import { replicaCountAbandoned, replicaCountProgress } from './replica-count-record'

const m = (name: string, host: string, more: object = {}) => ({ name, host, address: `10.0.0.${name.length}`, dataDir: `/var/lib/postgresql/15/${name}`, access: 'postgres' as const, ...more })
const c = parseCluster({ id: 'home', major: '15', members: [m('db1', 'pi1'), m('db2', 'pi2')] })
const pi3 = { name: 'pi3', address: '10.0.0.9', access: 'sudo' as const }

describe('a new replica in the cluster pattern', () => {
  it('takes the primary dir named after the member, its port and layout; moves on from what the host runs', () => {
    expect(newMemberLike(c.members[0]!, 'db3', pi3, { ports: [], dataDirs: [] }, true)).toMatchObject({ name: 'db3', host: 'pi3', address: '10.0.0.9', access: 'sudo', port: 5432, dataDir: '/var/lib/postgresql/15/db3', layout: 'plain', sync: true })
    expect(newMemberLike(c.members[0]!, 'db3', pi3, { ports: [5432, 5433], dataDirs: ['/var/lib/postgresql/15/db3'] }, false)).toMatchObject({ port: 5434, dataDir: '/var/lib/postgresql/15/db3-2', sync: false })
    const shared = parseCluster({ ...c, members: [m('db1', 'pi1', { dataDir: '/srv/pg/home' }), m('db2', 'pi2')] })
    expect(newMemberLike(shared.members[0]!, 'db3', pi3, { ports: [], dataDirs: [] }, false).dataDir).toBe('/srv/pg/home')
  })
})

describe('the record while replicas are added and removed', () => {
  const db3 = parseCluster({ ...c, members: [...c.members, m('db3', 'pi3')] }).members[2]!
  const params = { replicas: { add: [{ member: db3 }], remove: [{ member: 'db2' }] } }
  it('records a new member once its add started, drops a removed one once its removal is done', () => {
    expect(replicaCountProgress(params, [{ id: 'verify', status: 'done', startedAt: 't' }])).toBeNull()
    const started = replicaCountProgress(params, [{ id: 'add1-preflight', status: 'running', startedAt: 't' }, { id: 'remove1-preflight', status: 'pending' }])!
    expect(started(c)!.members.map((x) => x.name)).toEqual(['db1', 'db2', 'db3'])
    const withDb3 = started(c)!
    expect(started(withDb3)).toBe(withDb3)
    const done = replicaCountProgress(params, [{ id: 'add1-preflight', status: 'done', startedAt: 't' }, { id: 'remove1-preflight', status: 'done', startedAt: 't' }, { id: 'remove1-stop', status: 'skipped' }])!
    expect(done(withDb3)!.members.map((x) => x.name)).toEqual(['db1', 'db3'])
    expect(replicaCountAbandoned(params)!(withDb3)!.members.map((x) => x.name)).toEqual(['db1', 'db2'])
  })
})
