// Failover against the lab, engine level: a synchronous three-member cluster (ANY 1 of the
// standbys) whose primary's host is killed; the plan says no loss, the standby with the most
// WAL takes over, the other follows it, and every committed row is on the new primary.
// The old primary is fenced when its host answers again.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { kill, resetHost, restart } from '../../../../e2e/lab'
import { assessFailover } from './assess'
import type { PgCluster } from './model'
import { PgNode } from './node'
import { fence, isFenced } from './roles'
import { START_PLAIN } from './scripts'
import { buildHaCluster, dropHaCluster, HA_HOSTS, haCluster, haWorld, roles, sqlOn } from '../../../../e2e/support/postgres/ha-cluster'
import type { World } from '../../../../e2e/support/postgres/lab-world'

describe('failover, synchronous plain cluster', () => {
  let w: World
  let c: PgCluster
  const opts = { id: 'fo', layout: 'plain' as const, sync: true }

  beforeAll(async () => {
    w = await haWorld(opts)
    c = haCluster(w, opts)
    await buildHaCluster(w, c)
    await sqlOn(w, c, 'fo1', 'CREATE TABLE t (id int primary key)')
    await sqlOn(w, c, 'fo1', 'INSERT INTO t SELECT generate_series(1, 1000)')
  }, 180_000)

  afterEach(async () => {
    await Promise.all(HA_HOSTS.map((h) => resetHost(h)))
  })

  afterAll(async () => {
    if (!w) return
    await dropHaCluster(w, c)
    await w.close()
  })

  it('host-kill of the primary: zero expected loss, fo2 or fo3 takes over, the other follows', async () => {
    expect(await sqlOn(w, c, 'fo1', 'SHOW synchronous_standby_names')).toBe('ANY 1 ("fo2", "fo3")')
    const lastPrimary = { member: 'fo1', lsn: await sqlOn(w, c, 'fo1', 'SELECT pg_current_wal_lsn()'), timeline: 1, at: new Date().toISOString(), seenAt: new Date().toISOString() }
    await kill('host1')
    const seen = await w.engine.readPositions(c, 2000)
    const a = assessFailover({ cluster: c, from: 'fo1', seen, lastPrimary })
    expect(a.loss.kind).toBe('none')
    expect(a.candidates.filter((v) => !v.excluded).map((v) => v.name).sort()).toEqual(['fo2', 'fo3'])
    const def = w.engine.failover({ cluster: c, from: 'fo1', to: a.to, assessment: a })
    const { summary, ms } = await w.run(def)
    expect(summary.error).toBeUndefined()
    expect(summary.status).toBe('succeeded')
    const other = a.to === 'fo2' ? 'fo3' : 'fo2'
    const r = await roles(w, c)
    expect(r.primary).toEqual([a.to])
    expect(r.streaming).toEqual([other])
    // Synchronous from its first write (set while it was a standby), without the fenced old
    // primary (started by hand as a standby it must never confirm a commit): ANY 1 of the other.
    expect(await sqlOn(w, c, a.to, 'SHOW synchronous_standby_names')).toBe(`ANY 1 ("${other}")`)
    expect(await sqlOn(w, c, a.to, 'SELECT count(*) FROM t')).toBe('1000')
    await sqlOn(w, c, a.to, 'INSERT INTO t VALUES (1001)')
    const fenceStep = summary.steps.find((s) => s.id === 'fence')!
    expect(fenceStep.status).toBe('done')
    console.log(`failover after host-kill: ${ms.toFixed(0)} ms (operation, lease to release)`)

    // The old primary's host comes back: fencing it keeps it from starting as a primary.
    await restart('host1')
    const F = new PgNode(w.hosts, c.members[0]!, c.major)
    await fence(c, F, c.members.find((m) => m.name === a.to), 'test')
    expect(await isFenced(F)).toBe(true)
    expect((await w.tryRoot('host1', ['test', '-f', `${c.members[0]!.dataDir}/standby.signal`])).code).toBe(0)
    // Even with standby.signal taken away by hand, ReplicaDesk's own start refuses a fenced data dir.
    await w.asRoot('host1', ['rm', '-f', `${c.members[0]!.dataDir}/standby.signal`])
    const own = await w.hosts.exec('host1', ['sh', '-c', START_PLAIN, 'sh', F.tool('pg_ctl'), c.members[0]!.dataDir, '/tmp/x.log', '10'], { okExitCodes: [0, 1, 2, 3] })
    expect(own.exitCode).toBe(3)
    expect(own.stderr).toMatch(/fenced/)
  }, 120_000)
})
