// The role changes on Debian-style clusters (pg_createcluster / pg_ctlcluster, port 5433, data
// under /srv) reached as an admin through `sudo -n`, synchronous ANY 1, under the write probe:
// switchover there and back, then kill of the primary → failover (fenced: start.conf disabled)
// → restart → rejoin (pg_rewind) with the fence lifted. No acknowledged write lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { kill, resetHost, restart } from '../../../../e2e/lab'
import { assessFailover, assessSwitchover } from './assess'
import type { PgCluster } from './model'
import { buildHaCluster, dropHaCluster, HA_HOSTS, haCluster, haWorld, roles, startProbe } from '../../../../e2e/support/postgres/ha-cluster'
import type { World } from '../../../../e2e/support/postgres/lab-world'

describe('role changes on Debian-style clusters through sudo', () => {
  let w: World
  let c: PgCluster
  const opts = { id: 'deb', layout: 'debian' as const, sync: true }

  beforeAll(async () => {
    w = await haWorld(opts)
    c = haCluster(w, opts)
    await buildHaCluster(w, c)
  }, 240_000)

  afterAll(async () => {
    if (!w) return
    await Promise.all(HA_HOSTS.map((h) => resetHost(h)))
    await dropHaCluster(w, c)
    await w.close()
  })

  it('switches over there and back, fails over after a kill, and rejoins the old primary', async () => {
    const [a, b] = [c.members[0]!.name, c.members[1]!.name]
    const run = await startProbe(c, a)
    let newPrimary = ''
    try {
      for (const to of [b, a]) {
        const plan = assessSwitchover(c, await w.engine.readPositions(c), to)
        const { summary } = await w.run(w.engine.switchover({ cluster: c, from: plan.from!, to }))
        expect(summary.error).toBeUndefined()
        expect((await roles(w, c)).primary).toEqual([to])
        await new Promise((r) => setTimeout(r, 300))
      }
      await kill('host1')
      const seen = await w.engine.readPositions(c, 2000)
      const assessment = assessFailover({ cluster: c, from: a, seen, lastPrimary: null })
      expect(assessment.loss.kind).toBe('none')
      newPrimary = assessment.to
      const { summary } = await w.run(w.engine.failover({ cluster: c, from: a, to: newPrimary, assessment }))
      expect(summary.error).toBeUndefined()
      await new Promise((r) => setTimeout(r, 500))
    } finally {
      await run.probe.stop()
    }
    const report = await run.finish(newPrimary)
    console.log(`[debian] acknowledged ${report.acknowledged}, longest gap ${report.longestGap?.ms.toFixed(0)} ms`)

    await restart('host1')
    // The dead primary, seen again, is fenced like the watcher does: Debian's start.conf disabled.
    await w.engine.fenceNow(c, a, newPrimary, 'seen again')
    expect(await w.asRoot('host1', ['cat', `/etc/postgresql/15/${c.members[0]!.debianName}/start.conf`])).toMatch(/^disabled$/m)
    const rejoin = await w.run(w.engine.rejoin({ cluster: c, member: a, rebuild: false }))
    expect(rejoin.summary.error).toBeUndefined()
    expect(await w.asRoot('host1', ['cat', `/etc/postgresql/15/${c.members[0]!.debianName}/start.conf`])).toMatch(/^auto$/m)
    const r = await roles(w, c)
    expect(r.primary).toEqual([newPrimary])
    expect(r.streaming.sort()).toEqual(c.members.map((m) => m.name).filter((n) => n !== newPrimary).sort())
    await run.teardown().catch(() => undefined)
  }, 300_000)
})
