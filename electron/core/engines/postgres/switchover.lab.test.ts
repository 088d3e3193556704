// Switchover against the lab: a three-member cluster of plain data dirs, switched there and
// back; every standby follows the new primary and nothing written before is missing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assessSwitchover } from './assess'
import type { PgCluster } from './model'
import { buildHaCluster, dropHaCluster, haCluster, haWorld, roles, sqlOn } from '../../../../e2e/support/postgres/ha-cluster'
import type { World } from '../../../../e2e/support/postgres/lab-world'

describe('switchover, plain data dirs as postgres', () => {
  let w: World
  let c: PgCluster
  const opts = { id: 'sw', layout: 'plain' as const, sync: false }

  beforeAll(async () => {
    w = await haWorld(opts)
    c = haCluster(w, opts)
    await buildHaCluster(w, c)
    await sqlOn(w, c, 'sw1', 'CREATE TABLE t (id int primary key)')
  }, 180_000)

  afterAll(async () => {
    if (!w) return
    await dropHaCluster(w, c)
    await w.close()
  })

  async function switchTo(to: string, id: number) {
    const seen = await w.engine.readPositions(c)
    const a = assessSwitchover(c, seen, to)
    const { summary, ms } = await w.run(w.engine.switchover({ cluster: c, from: a.from!, to }))
    expect(summary.error).toBeUndefined()
    expect(summary.status).toBe('succeeded')
    const r = await roles(w, c)
    expect(r.primary).toEqual([to])
    expect(r.streaming.sort()).toEqual(c.members.map((m) => m.name).filter((n) => n !== to).sort())
    await sqlOn(w, c, to, `INSERT INTO t VALUES (${id})`)
    return ms
  }

  it('plans with the exact commands and no loss', async () => {
    const seen = await w.engine.readPositions(c)
    const a = assessSwitchover(c, seen)
    expect(a.from).toBe('sw1')
    expect(a.loss.kind).toBe('none')
    const plan = await w.ops.plan(w.engine.switchover({ cluster: c, from: 'sw1', to: a.to }))
    expect(plan.steps.map((s) => s.id)).toEqual(['preflight', 'stop', 'catch-up', 'promote', 'repoint', 'demote', 'sync', 'verify'])
    expect(plan.steps.find((s) => s.id === 'promote')!.commands[0]!.argv.join(' ')).toContain('pg_promote')
  })

  it('switches to sw2 and back to sw1; every row is there', async () => {
    await sqlOn(w, c, 'sw1', 'INSERT INTO t VALUES (1)')
    const there = await switchTo('sw2', 2)
    const back = await switchTo('sw1', 3)
    expect(await sqlOn(w, c, 'sw1', 'SELECT string_agg(id::text, \',\' ORDER BY id) FROM t')).toBe('1,2,3')
    console.log(`switchover there ${there.toFixed(0)} ms, back ${back.toFixed(0)} ms`)
  }, 120_000)

  it('refuses a target that does not stream, before changing anything', async () => {
    const seen = await w.engine.readPositions(c)
    expect(() => assessSwitchover(c, seen, 'sw1')).toThrow(/primary already/)
    await w.asRoot('host3', ['sh', '-c', '/usr/lib/postgresql/15/bin/pg_ctl -D "$1" -m fast -w stop', 'sh', c.members[2]!.dataDir], 'postgres')
    try {
      expect(() => assessSwitchover(c, seen.map((s) => s), 'nosuch')).toThrow(/no member named/)
      const { summary } = await w.run(w.engine.switchover({ cluster: c, from: 'sw1', to: 'sw3' }))
      expect(summary.status).toBe('failed')
      expect(summary.steps[0]).toMatchObject({ id: 'preflight', status: 'failed' })
      expect((await roles(w, c)).primary).toEqual(['sw1'])
    } finally {
      await w.asRoot('host3', ['sh', '-c', '/usr/lib/postgresql/15/bin/pg_ctl -D "$1" -l /var/log/postgresql/replicadesk-sw3.log -w start', 'sh', c.members[2]!.dataDir], 'postgres')
    }
  }, 60_000)
})
