// Hand-over to Patroni + etcd against the lab (issue 19, first slice): a running 3-member
// cluster (plain data dirs, synchronous) handed over under the write probe — no acknowledged
// write lost, no data dir re-copied, the write gap printed; then power-off of the leader's host:
// Patroni promotes a standby with nobody clicking, no acknowledged write lost, power-off → first
// acknowledged write on the new leader printed (target ≤ 12 s).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { powerOff, powerOn, requireNetns, resetHost } from '../../../../../e2e/lab'
import { lockLabHosts } from '../../../../../e2e/fixtures/labLock'
import { buildHaCluster, HA_HOSTS, sqlOn, startProbe } from '../../../../../e2e/support/postgres/ha-cluster'
import type { World } from '../../../../../e2e/support/postgres/lab-world'
import { cleanPatroni, copyUnitLogs, dataDirIdentity, patroniCluster, patroniRunner, patroniWorld, startTimes } from '../../../../../e2e/support/patroni/lab'
import { describeReport } from '../../../../../e2e/probe'
import { wallClock } from '../../../../../e2e/probe/types'
import { planOperation } from '../../../operations'
import { remoteRunnerOf } from '../../host-exec'
import type { PgCluster } from '../model'
import { readPatroniStatus } from './status'
import { wait } from './wait'

describe('hand-over to Patroni + etcd', () => {
  let w: World
  let c: PgCluster
  let pr: Awaited<ReturnType<typeof patroniRunner>>
  let handedOver = false
  let unlock: (() => void) | undefined
  let powered = false

  beforeAll(async () => {
    requireNetns('Patroni lab test: power-off of a host')
    unlock = await lockLabHosts('Patroni hand-over lab test (power-off of host1)')
    w = await patroniWorld()
    c = patroniCluster(w)
    pr = await patroniRunner(w)
    await cleanPatroni(w, c)
    await buildHaCluster(w, c)
  }, 240_000)

  afterAll(async () => {
    try {
      if (powered) await powerOn('host1').catch(() => undefined)
      await Promise.all(HA_HOSTS.map((h) => resetHost(h)))
      if (w) {
        if (process.env.PATRONI_LAB_LOGS) await copyUnitLogs(w, c, process.env.PATRONI_LAB_LOGS)
        await cleanPatroni(w, c)
        await w.close()
        await pr?.close()
      }
    } finally {
      unlock?.()
    }
  }, 120_000)

  it('hands a running cluster over under writes: nothing lost, no re-copy, write gap reported', async () => {
    const def = pr.kinds.handoverOf(c)
    const plan = await planOperation(def, remoteRunnerOf(w.hosts))
    expect(plan.steps.map((s) => s.id)).toEqual(['preflight', 'etcd', 'config', 'primary', 'replicas', 'verify'])
    expect(JSON.stringify(plan)).not.toMatch(/password":\s*"[^@]/) // no secret in the plan
    const before = await dataDirIdentity(w, c)
    const started = await startTimes(w, c)
    const probe = await startProbe(c, 'pt1')
    let ms = 0
    try {
      const r = await pr.run(def)
      ms = r.ms
      expect(r.summary.error).toBeUndefined()
      await new Promise((res) => setTimeout(res, 3000)) // writes after the hand-over, under Patroni
      const report = await probe.finish('pt1')
      console.log(`hand-over: ${(ms / 1000).toFixed(1)} s; ${report.acknowledged} writes acknowledged, 0 lost; longest write gap ${report.longestGap?.ms.toFixed(0) ?? '?'} ms\n${describeReport(report)}`)
      const gap = report.longestGap
      if (gap) console.log(`gap from ${wallClock(gap.from)} to ${wallClock(gap.to)}; postmaster start times before ${JSON.stringify(started)}, after ${JSON.stringify(await startTimes(w, c))}`)
      for (const e of r.events) if (e.type === 'progress' && e.progress.message) console.log(`  ${e.progress.at} ${e.progress.stepId}: ${e.progress.message}`)
    } finally {
      await probe.teardown()
    }
    expect(await dataDirIdentity(w, c)).toEqual(before)
    const s = await readPatroniStatus(w.hosts, c)
    expect(s.leader).toBe('pt1')
    expect(s.members.map((m) => [m.name, m.state])).toEqual([['pt1', 'running'], ['pt2', 'running'], ['pt3', 'running']])
    expect(s.members.filter((m) => m.role === 'sync_standby')).toHaveLength(1)
    expect(s.etcd).toMatchObject({ voters: 3, down: [] })
    // Patroni wrote its own postgresql.conf; ReplicaDesk's ALTER SYSTEM values are gone.
    expect(await sqlOn(w, c, 'pt1', "SELECT sourcefile FROM pg_settings WHERE name = 'synchronous_standby_names'")).toMatch(/\/postgresql\.conf$/)
    // Running the hand-over again finds every step done.
    const again = await pr.run(pr.kinds.handoverOf(c))
    expect(again.summary.error).toBeUndefined()
    handedOver = true
  }, 240_000)

  it('power-off of the leader: Patroni promotes a standby unattended, nothing lost', async () => {
    expect(handedOver, 'the hand-over test failed').toBe(true)
    const probe = await startProbe(c, 'pt1')
    let leader: string | undefined
    try {
      await new Promise((res) => setTimeout(res, 1000))
      const t0 = performance.now()
      await powerOff('host1')
      powered = true
      const survivors = w.engine.parseCluster({ ...c, members: c.members.filter((m) => m.name !== 'pt1') })
      leader = await wait(40_000, async () => {
        const s = await readPatroniStatus(w.hosts, survivors, { timeoutS: 2 })
        return s.leader && s.leader !== 'pt1' ? s.leader : undefined
      })
      expect(leader).toMatch(/^pt[23]$/)
      const first = await wait(20_000, async () => probe.probe.firstAckAfter(leader!, t0))
      await new Promise((res) => setTimeout(res, 2000))
      const report = await probe.finish(leader!)
      const sLeader = await readPatroniStatus(w.hosts, survivors)
      console.log(`power-off of host1 at ${wallClock(t0)} → first acknowledged write on ${leader}: ${first ? (first.ms / 1000).toFixed(1) : '?'} s (target ≤ 12 s); ${report.acknowledged} acknowledged, 0 lost; etcd voters up: ${sLeader.etcd.up.join(', ')}`)
      expect(first).toBeDefined()
    } finally {
      await probe.teardown().catch(() => undefined) // host1 is off: its hba line stays until cleanup
    }
    // Powered on, host1's enabled units start (etcd, Patroni): pt1 comes back as a replica by itself.
    await powerOn('host1')
    powered = false
    const back = await wait(60_000, async () => {
      const s = await readPatroniStatus(w.hosts, c, { timeoutS: 2 })
      const pt1 = s.members.find((m) => m.name === 'pt1')
      return s.leader === leader && pt1?.state === 'running' ? s : undefined
    })
    console.log(`host1 powered on: pt1 ${back ? `runs again as ${back.members.find((m) => m.name === 'pt1')!.role} of ${leader}` : 'did not come back within 60 s'}`)
  }, 240_000)
})
