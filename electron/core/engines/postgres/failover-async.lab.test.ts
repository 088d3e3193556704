// An honest bound for an asynchronous failover: both standbys stop receiving WAL (their
// primary_conninfo cleared) while the primary keeps acknowledging writes; the primary's
// position is seen (as status records it), then its host is killed. The plan states a
// non-zero loss before anything runs, and what is then lost is within it: every lost write was
// acknowledged after the candidate stopped receiving, and the WAL the candidate misses is at
// least the stated bytes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { kill, resetHost, restart } from '../../../../e2e/lab'
import { describeReport } from '../../../../e2e/probe'
import { lsnDiff } from './lsn'
import { assessFailover } from './assess'
import type { PgCluster } from './model'
import { isUp } from './roles'
import { buildHaCluster, dropHaCluster, HA_HOSTS, haCluster, haWorld, roles, sqlOn, startProbe } from '../../../../e2e/support/postgres/ha-cluster'
import type { World } from '../../../../e2e/support/postgres/lab-world'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('asynchronous failover with candidates that fell behind', () => {
  let w: World
  let c: PgCluster
  const opts = { id: 'la', layout: 'plain' as const, sync: false }

  beforeAll(async () => {
    w = await haWorld(opts)
    c = haCluster(w, opts)
    await buildHaCluster(w, c)
  }, 180_000)

  afterAll(async () => {
    if (!w) return
    await Promise.all(HA_HOSTS.map((h) => resetHost(h)))
    await dropHaCluster(w, c)
    await w.close()
  })

  it('states a non-zero bound first, and the loss stays within it', async () => {
    const [p, s2, s3] = c.members.map((m) => m.name) as [string, string, string]
    const run = await startProbe(c, p)
    await sleep(500)
    const stopReceiving = async (name: string) => {
      await sqlOn(w, c, name, "ALTER SYSTEM SET primary_conninfo = ''")
      await sqlOn(w, c, name, 'SELECT pg_reload_conf()')
    }
    await stopReceiving(s3)
    await sleep(300)
    await stopReceiving(s2)
    const tStopped = performance.now()
    await sleep(800)
    // What status keeps: the primary's position and when it was seen.
    const lastPrimary = { member: p, lsn: await sqlOn(w, c, p, 'SELECT pg_current_wal_lsn()'), timeline: 1, at: new Date().toISOString(), seenAt: new Date().toISOString() }
    await sleep(400)
    await kill('host1')
    const tKill = performance.now()
    const seen = await w.engine.readPositions(c, 2000)
    const a = assessFailover({ cluster: c, from: p, seen, lastPrimary })
    expect(a.to).toBe(s2) // it stopped receiving last
    expect(a.loss.kind).toBe('bound')
    expect(a.loss.bytes).toBeGreaterThan(0)
    expect(a.loss.seconds).toBeGreaterThan(0)
    expect(a.warnings.join(' ')).toMatch(/asynchronous/)
    const candidateLsn = seen.find((x) => x.member.name === s2 && isUp(x)) as { pos: { lsn: string } }
    const { summary } = await w.run(w.engine.failover({ cluster: c, from: p, to: a.to, assessment: a }))
    expect(summary.error).toBeUndefined()
    await sleep(500)
    await run.probe.stop()
    const report = await run.probe.verify(s2)
    // Acknowledged writes were lost: the candidate did not have them (asynchronous)…
    expect(report.lost.length, describeReport(report)).toBeGreaterThan(0)
    expect(report.phantom).toEqual([])
    // …and only writes acknowledged after it stopped receiving.
    const lostSet = new Set(report.lost)
    const lostAcks = run.probe.attempts.filter((x) => lostSet.has(x.id))
    expect(Math.min(...lostAcks.map((x) => x.doneAt ?? Infinity))).toBeGreaterThan(tStopped - 50)
    expect(Math.max(...lostAcks.map((x) => x.doneAt ?? 0))).toBeLessThan(tKill)
    // The WAL the candidate misses (to the dead primary's end of WAL) is at least the stated bytes.
    await restart('host1')
    const dump = await w.tryRoot('host1', ['/usr/lib/postgresql/15/bin/pg_waldump', '-p', `${c.members[0]!.dataDir}/pg_wal`, '-s', candidateLsn.pos.lsn], 'postgres')
    const end = /invalid record length at ([0-9A-F]+\/[0-9A-F]+)|record with incorrect prev-link .* at ([0-9A-F]+\/[0-9A-F]+)|invalid magic number .* at ([0-9A-F]+\/[0-9A-F]+)/.exec(dump.stderr)
    expect(end, dump.stderr.slice(-400)).not.toBeNull()
    const missing = lsnDiff(end![1] ?? end![2] ?? end![3]!, candidateLsn.pos.lsn)!
    expect(missing).toBeGreaterThanOrEqual(a.loss.bytes!)
    console.log(`[async bound] plan: ${a.loss.text} | lost ${report.lost.length} acknowledged writes, ${missing} bytes of WAL (stated at least ${a.loss.bytes} + ${a.loss.seconds} s)`)
    expect((await roles(w, c)).primary).toEqual([s2])
    await run.teardown().catch(() => undefined)
  }, 180_000)
})
