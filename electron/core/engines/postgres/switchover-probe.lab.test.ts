// Switchover there and back under the write probe (an id every 20 ms into whichever member is
// writable): asynchronous and synchronous (ANY 1), no acknowledged write lost, nothing that was
// never written, never two writable members. Once each in `npm test`, 5 times in the soak.
import { afterAll, describe, expect, it } from 'vitest'
import { assessSwitchover } from './assess'
import type { PgCluster } from './model'
import { buildHaCluster, dropHaCluster, haCluster, haWorld, roles, rounds, startProbe } from '../../../../e2e/support/postgres/ha-cluster'
import type { World } from '../../../../e2e/support/postgres/lab-world'

for (const sync of [false, true]) {
  describe(`switchover under the write probe, ${sync ? 'synchronous ANY 1' : 'asynchronous'}`, () => {
    let w: World | undefined
    let c: PgCluster

    afterAll(async () => {
      if (!w) return
      await dropHaCluster(w, c)
      await w.close()
    })

    it(`switches there and back ${rounds()} time(s) with no lost write`, async () => {
      const opts = { id: sync ? 'sws' : 'swa', layout: 'plain' as const, sync }
      w = await haWorld(opts)
      c = haCluster(w, opts)
      await buildHaCluster(w, c)
      const [a, b] = [c.members[0]!.name, c.members[1]!.name]
      const gaps: number[] = []
      const totals: number[] = []
      const run = await startProbe(c, a)
      try {
        for (let i = 0; i < rounds(); i++) {
          for (const to of [b, a]) {
            const seen = await w.engine.readPositions(c)
            const plan = assessSwitchover(c, seen, to)
            const t0 = performance.now()
            const { summary } = await w.run(w.engine.switchover({ cluster: c, from: plan.from!, to }))
            totals.push(performance.now() - t0)
            expect(summary.error).toBeUndefined()
            expect((await roles(w, c)).primary).toEqual([to])
            // Writes resume on the new primary before the next switch.
            await new Promise((r) => setTimeout(r, 300))
          }
        }
        const r = await run.finish(a)
        gaps.push(r.longestGap?.ms ?? 0)
        const streaming = (await roles(w, c)).streaming.sort()
        expect(streaming).toEqual(c.members.map((m) => m.name).filter((n) => n !== a).sort())
        console.log(`[switchover ${sync ? 'sync' : 'async'}] ${totals.length} switchovers; operation ${totals.map((t) => t.toFixed(0)).join(', ')} ms; longest write gap ${gaps[0]!.toFixed(0)} ms; acknowledged ${r.acknowledged}, uncertain ${r.uncertain}, failed ${r.failed}`)
      } finally {
        await run.teardown().catch(() => undefined)
      }
    }, 600_000)
  })
}
