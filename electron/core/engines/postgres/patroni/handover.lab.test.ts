// Hand-over to Patroni + etcd against the lab (issue 19, first slice): a running 3-member
// cluster (plain data dirs, synchronous) handed over under the write probe — no acknowledged
// write lost, no data dir re-copied, the write gap printed; then power-off of the leader's host:
// Patroni promotes a standby with nobody clicking, no acknowledged write lost, power-off → first
// acknowledged write on the new leader printed (target ≤ 12 s). etcd speaks only TLS with client
// certificates of a CA made on host1. Then, in the same lab: a switchover through Patroni's REST
// API, a settings change through PATCH /config read back on every member, a failover through
// POST /failover to a named replica, and the hand-back (no restart, nothing lost) under the write
// probe, each write gap printed,
// and ReplicaDesk's own switchover working again afterwards.
// The cluster has a service address (issue 18's manual mode before the hand-over) and a
// notification URL (a listener of this test on the bridge's own address): keepalived takes the
// address over, a second probe that connects only to it writes through every change (its first
// write after the power-off printed beside the per-host probe's), the address follows the new
// leader with nobody watching, and the new leader's role-change callback POSTs the listener.
// etcd's leader is kept off the Patroni leader's host (printed after each role change); the
// powered-off member's unit carries ReplicaDesk's drop-in (Restart=on-failure) and comes back.
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
import { assessSwitchover } from '../assess'
import { slotName } from '../model'
import { automaticOf, ETCD_UNIT, patroniUnit, TLS_DIR, votersOf } from './config'
import { etcdctlArgv, parseEtcdLeader, readPatroniStatus } from './status'
import { wait } from './wait'
import { holders, inManualMode, startListener, startProbes, vipOf } from '../../../../../e2e/support/patroni/address'
import { KEEPALIVED_CONF, KEEPALIVED_UNIT } from './keepalived'

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms))
const ANY_EXIT = Array.from({ length: 256 }, (_, i) => i)

describe('hand-over to Patroni + etcd', () => {
  let w: World
  let c: PgCluster
  let pr: Awaited<ReturnType<typeof patroniRunner>>
  let handedOver = false
  let unlock: (() => void) | undefined
  let powered = false
  let poweredBack = false
  let listener: Awaited<ReturnType<typeof startListener>> | undefined
  const vipHolders = () => holders(w, vipOf(w))
  /** The host whose etcd leads, asked on host2 (up throughout). */
  const etcdLeader = async () => parseEtcdLeader((await w.hosts.exec('host2', etcdctlArgv(c, 2, 'endpoint', 'status', '-w', 'json'), { sudo: 'postgres', timeoutMs: 15_000, okExitCodes: ANY_EXIT })).stdout, votersOf(c, automaticOf(c)))

  beforeAll(async () => {
    requireNetns('Patroni lab test: power-off of a host')
    unlock = await lockLabHosts('Patroni hand-over lab test (power-off of host1)')
    w = await patroniWorld()
    c = patroniCluster(w)
    pr = await patroniRunner(w)
    await cleanPatroni(w, w.engine.parseCluster({ ...c, serviceAddress: { address: vipOf(w), prefix: 24, interfaces: { host1: 'eth0' } } }))
    await buildHaCluster(w, c)
    listener = await startListener(w)
    c = await inManualMode(w, c, listener.url('/rd-callback'))
    expect(await vipHolders()).toEqual(['host1'])
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
        await listener?.close()
      }
    } finally {
      unlock?.()
    }
  }, 120_000)

  it('hands a running cluster over under writes: nothing lost, no re-copy, write gap reported', async () => {
    const def = pr.kinds.handoverOf(c)
    const plan = await planOperation(def, remoteRunnerOf(w.hosts))
    expect(plan.steps.map((s) => s.id)).toEqual(['preflight', 'tls', 'etcd', 'config', 'primary', 'replicas', 'address', 'verify'])
    expect(JSON.stringify(plan)).not.toMatch(/password":\s*"[^@]/) // no secret in the plan
    expect(plan.steps.find((s) => s.id === 'address')!.commands.map((x) => x.argv.join(' '))).toContain(`systemctl enable --now ${KEEPALIVED_UNIT}`)
    const before = await dataDirIdentity(w, c)
    const started = await startTimes(w, c)
    const probe = await startProbes(c, 'pt1')
    let ms = 0
    try {
      const r = await pr.run(def)
      ms = r.ms
      expect(r.summary.error).toBeUndefined()
      await new Promise((res) => setTimeout(res, 3000)) // writes after the hand-over, under Patroni
      const { report, appReport } = await probe.finish('pt1')
      console.log(`hand-over: ${(ms / 1000).toFixed(1)} s; ${report.acknowledged} writes acknowledged, 0 lost; longest write gap ${report.longestGap?.ms.toFixed(0) ?? '?'} ms; through the address ${appReport.acknowledged} acknowledged, 0 lost, longest gap ${appReport.longestGap?.ms.toFixed(0) ?? '?'} ms${appReport.longestGap ? ` (${wallClock(appReport.longestGap.from)} → ${wallClock(appReport.longestGap.to)}: keepalived's takeover)` : ''}\n${describeReport(report)}`)
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
    // The hand-over's verify step moved etcd's leadership off the Patroni leader's host.
    const etcdLed = await etcdLeader()
    console.log(`after the hand-over: Patroni leader pt1 on host1, etcd leader ${etcdLed}`)
    expect(etcdLed).toMatch(/^host[23]$/)
    // Patroni wrote its own postgresql.conf; ReplicaDesk's ALTER SYSTEM values are gone.
    expect(await sqlOn(w, c, 'pt1', "SELECT sourcefile FROM pg_settings WHERE name = 'synchronous_standby_names'")).toMatch(/\/postgresql\.conf$/)
    await expectEtcdLocked()
    // keepalived holds the address on the leader only; every member's config is its own.
    expect(await vipHolders()).toEqual(['host1'])
    for (const h of ['host1', 'host2', 'host3']) {
      expect((await w.tryRoot(h, ['systemctl', 'is-active', KEEPALIVED_UNIT])).code, `keepalived on ${h}`).toBe(0)
      expect(await w.asRoot(h, ['cat', KEEPALIVED_CONF])).toContain(`unicast_src_ip ${w.host(h).address}`)
    }
    // Running the hand-over again finds every step done.
    const again = await pr.run(pr.kinds.handoverOf(c))
    expect(again.summary.error).toBeUndefined()
    expect(again.summary.steps.filter((x) => ['config', 'address'].includes(x.id)).map((x) => x.status)).toEqual(['skipped', 'skipped'])
    handedOver = true
  }, 240_000)

  it('power-off of the leader: Patroni promotes a standby unattended, nothing lost', async () => {
    expect(handedOver, 'the hand-over test failed').toBe(true)
    const probe = await startProbes(c, 'pt1')
    let leader: string | undefined
    const postedBefore = listener!.posted.length
    // Debian's unit has Restart=no: ReplicaDesk's drop-in is what brings pt1 back if its Patroni exits at boot (etcd not up yet).
    expect((await w.asRoot('host1', ['systemctl', 'show', '-p', 'Restart', patroniUnit(c, c.members[0]!)])).trim()).toBe('Restart=on-failure')
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
      const leaderHost = c.members.find((m) => m.name === leader)!.host
      // The address follows with nobody watching: keepalived on the new leader's host, nowhere else.
      const moved = await wait(20_000, async () => ((await vipHolders()).join() === leaderHost ? performance.now() - t0 : undefined), 100)
      // Writes through the address acknowledged right after t0 are the old primary's: count from the first one that stalled.
      const firstVip = await wait(20_000, async () => {
        const stalled = probe.app.attempts.find((a) => a.sentAt >= t0 && a.outcome !== undefined && a.outcome !== 'acknowledged')
        const ack = stalled && probe.app.firstAckAfter('vip', stalled.sentAt)
        return ack && { ms: ack.at - t0 }
      })
      const posted = await wait(20_000, async () => listener!.posted.slice(postedBefore).find((x) => x.path === '/rd-callback' && x.body.member === leader && x.body.role === 'primary'))
      await new Promise((res) => setTimeout(res, 2000))
      const { report, appReport } = await probe.finish(leader!)
      const sLeader = await readPatroniStatus(w.hosts, survivors)
      console.log(`power-off of host1 at ${wallClock(t0)} → first acknowledged write on ${leader}: ${first ? (first.ms / 1000).toFixed(1) : '?'} s per host, ${firstVip ? (firstVip.ms / 1000).toFixed(1) : '?'} s through the address ${c.serviceAddress!.address} (on ${leaderHost} ${moved ? (moved / 1000).toFixed(1) : '?'} s after the power-off); callback POST from ${leader} ${posted ? `${((posted.at - t0) / 1000).toFixed(1)} s after: ${JSON.stringify(posted.body)}` : 'missing'}; ${report.acknowledged} + ${appReport.acknowledged} acknowledged, 0 lost; etcd voters up: ${sLeader.etcd.up.join(', ')}`)
      expect(first).toBeDefined()
      expect(moved, `${c.serviceAddress!.address} on ${leaderHost} only`).toBeDefined()
      expect(firstVip, 'a write through the address after the power-off').toBeDefined()
      expect(posted?.body, 'the new leader\'s role-change callback').toMatchObject({ source: 'replicadesk', event: 'role_change', cluster: c.id, member: leader, host: leaderHost, role: 'primary' })
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
    console.log(`host1 powered on: pt1 ${back ? `runs again as ${back.members.find((m) => m.name === 'pt1')!.role} of ${leader}` : 'did not come back within 60 s'}; etcd leader ${await etcdLeader()} (Patroni's on ${c.members.find((m) => m.name === leader)!.host})`)
    // host1's keepalived started at boot (enabled) and stays in FAULT: pt1 is no leader.
    expect(await vipHolders()).toEqual([c.members.find((m) => m.name === leader)!.host])
    poweredBack = back !== undefined
  }, 240_000)

  it('switchover, settings and failover through Patroni\'s REST API under writes, then the hand-back: nothing lost, no restart; ReplicaDesk\'s own switchover works again', async () => {
    expect(poweredBack, 'the power-off test did not end with three running members').toBe(true)
    // Switchover through Patroni (POST /switchover on the leader), to its synchronous standby.
    const def = await pr.kinds.switchoverOf(c)
    const { from, to } = def.params
    await runUnderProbe(`switchover through Patroni ${from} → ${to}`, def, from, to)
    const afterSwitch = await readPatroniStatus(w.hosts, c)
    expect(afterSwitch.leader).toBe(to)
    await sleep(3000) // the new primary's callback moves etcd's leadership in the background
    console.log(`after the switchover: etcd leader ${await etcdLeader()}, Patroni's ${to} on ${c.members.find((m) => m.name === to)!.host}`)
    c = await settingsThroughPatroni()
    c = await notifyThroughSettings()
    const postedBefore = listener!.posted.length
    const leader = await failoverThroughPatroni(to)
    const leaderHost = c.members.find((m) => m.name === leader)!.host
    // The new URL took effect without a restart: the new leader's callback POSTs it; the address followed.
    const posted = await wait(15_000, async () => listener!.posted.slice(postedBefore).find((x) => x.path === '/rd-callback-2' && x.body.member === leader && x.body.role === 'primary'))
    expect(posted, 'the callback POST to the new notification URL').toBeDefined()
    expect(await wait(10_000, async () => ((await vipHolders()).join() === leaderHost ? true : undefined), 100)).toBe(true)

    // Hand-back under writes: PostgreSQL is never restarted; the address goes back to manual mode on the primary.
    const started = await startTimes(w, c)
    const both = await startProbes(c, leader)
    try {
      await sleep(500)
      const r = await pr.run(pr.kinds.handbackOf(c))
      for (const e of r.events) if (e.type === 'progress' && e.progress.message) console.log(`  ${e.progress.at} ${e.progress.stepId}: ${e.progress.message}`)
      expect(r.summary.error).toBeUndefined()
      expect(r.events.some((e) => e.type === 'progress' && e.progress.stepId === 'address')).toBe(true)
      await sleep(1500)
      const { report, appReport } = await both.finish(leader)
      const gap = report.longestGap
      const vipGap = appReport.longestGap
      console.log(`hand-back: ${(r.ms / 1000).toFixed(1)} s; ${report.acknowledged} acknowledged, 0 lost; longest write gap ${gap?.ms.toFixed(0) ?? '?'} ms${gap ? ` (${wallClock(gap.from)} → ${wallClock(gap.to)})` : ''}; through the address ${appReport.acknowledged} acknowledged, longest gap ${vipGap?.ms.toFixed(0) ?? '?'} ms${vipGap ? ` (${wallClock(vipGap.from)} → ${wallClock(vipGap.to)})` : ''}`)
    } finally {
      await both.teardown()
    }
    expect(await startTimes(w, c)).toEqual(started)
    expect(await vipHolders()).toEqual([leaderHost])
    for (const h of ['host1', 'host2', 'host3']) {
      expect((await w.tryRoot(h, ['systemctl', 'is-active', KEEPALIVED_UNIT])).code, `keepalived on ${h}`).not.toBe(0)
      expect((await w.tryRoot(h, ['systemctl', 'is-enabled', KEEPALIVED_UNIT])).code, `keepalived enabled on ${h}`).not.toBe(0)
      expect((await w.tryRoot(h, ['test', '-e', KEEPALIVED_CONF])).code, `${KEEPALIVED_CONF} on ${h}`).not.toBe(0)
    }
    for (const m of c.members) {
      expect((await w.tryRoot(m.host, ['systemctl', 'is-active', patroniUnit(c, m)])).code, `${m.name}'s Patroni`).not.toBe(0)
      expect((await w.tryRoot(m.host, ['systemctl', 'is-active', ETCD_UNIT])).code, `etcd on ${m.host}`).not.toBe(0)
      // ReplicaDesk's values in postgresql.auto.conf again, postgresql.conf no longer Patroni's.
      expect(await sqlOn(w, c, m.name, "SELECT string_agg(name, ',' ORDER BY name) FROM pg_file_settings WHERE sourcefile LIKE '%/postgresql.auto.conf' AND name IN ('listen_addresses', 'synchronous_standby_names')")).toBe('listen_addresses,synchronous_standby_names')
      expect(await w.asRoot(m.host, ['head', '-n', '3', `${m.dataDir}/postgresql.conf`])).not.toMatch(/Patroni/)
      if (m.name !== leader) expect(await sqlOn(w, c, m.name, 'SHOW primary_slot_name')).toBe(slotName(m.name))
    }
    // Running the hand-back again finds nothing to do but its reads.
    const again = await pr.run(pr.kinds.handbackOf(c))
    expect(again.summary.error).toBeUndefined()
    expect(again.summary.steps.find((x) => x.id === 'address')?.status).toBe('skipped')

    // ReplicaDesk's own switchover, under writes.
    const plan = assessSwitchover(c, await w.engine.readPositions(c))
    expect(plan.from).toBe(leader)
    await runUnderProbe(`ReplicaDesk's switchover after the hand-back ${plan.from} → ${plan.to}`, w.engine.switchover({ cluster: c, from: plan.from!, to: plan.to }), leader, plan.to)
    // Manual mode again: ReplicaDesk's switchover moved the address.
    expect(await vipHolders()).toEqual([c.members.find((m) => m.name === plan.to)!.host])
  }, 240_000)

  /** A new notification URL on the handed-over cluster: each member's callback script rewritten, nothing restarted. */
  async function notifyThroughSettings(): Promise<PgCluster> {
    const url = listener!.url('/rd-callback-2')
    const next = w.engine.parseCluster({ ...c, notifyUrl: url })
    const started = await startTimes(w, c)
    const def = await pr.kinds.settingsOf(c, next, { notifyUrl: url })
    expect(def.params.body).toEqual({})
    const r = await pr.run(def)
    expect(r.summary.error).toBeUndefined()
    // The steps that said something (a step's message may go out twice: when it reports, and again with its finish under the progress throttle).
    expect([...new Set(r.events.filter((e) => e.type === 'progress' && e.progress.message).map((e) => e.type === 'progress' && e.progress.stepId))]).toEqual(['preflight', 'notify'])
    expect(await startTimes(w, c)).toEqual(started)
    for (const m of c.members) expect(await w.asRoot(m.host, ['cat', `/etc/patroni/${c.major}-${m.name}-on-role-change.sh`])).toContain(url)
    console.log(`notification URL through settings: ${(r.ms / 1000).toFixed(1)} s, callback scripts rewritten on ${c.members.map((m) => m.host).join(', ')}`)
    return next
  }

  /** Runs `def` under the write probe (writing to `from`, then to `to`): it succeeds, nothing acknowledged is lost; prints the longest write gap and the steps. */
  async function runUnderProbe(what: string, def: Parameters<typeof pr.run>[0], from: string, to: string): Promise<void> {
    const probe = await startProbe(c, from)
    try {
      await sleep(500)
      const r = await pr.run(def)
      expect(r.summary.error).toBeUndefined()
      await sleep(1500)
      const report = await probe.finish(to)
      const gap = report.longestGap
      console.log(`${what}: ${(r.ms / 1000).toFixed(1)} s; ${report.acknowledged} acknowledged, 0 lost; longest write gap ${gap?.ms.toFixed(0) ?? '?'} ms${gap ? ` (${wallClock(gap.from)} → ${wallClock(gap.to)})` : ''}`)
      for (const e of r.events) if (e.type === 'progress' && e.progress.message) console.log(`  ${e.progress.at} ${e.progress.stepId}: ${e.progress.message}`)
    } finally {
      await probe.teardown()
    }
  }

  /** PATCH /config (issue 19): read back from Patroni and on every member; a setting Patroni cannot express refused. */
  async function settingsThroughPatroni(): Promise<PgCluster> {
    await expect(pr.kinds.settingsOf(c, w.engine.parseCluster({ ...c, sync: { method: 'ANY', num: 1 } }), { syncMethod: 'ANY' })).rejects.toThrow(/no quorum commit/)
    const wanted = { synchronousCommit: 'remote_apply' as const, walKeepSize: '2GB', maxLagBytes: 8 * 1024 * 1024 }
    const next = w.engine.parseCluster({ ...c, ...wanted })
    const def = await pr.kinds.settingsOf(c, next, wanted)
    expect(def.params.body).toEqual({ maximum_lag_on_failover: 8388608, postgresql: { parameters: { synchronous_commit: 'remote_apply', wal_keep_size: '2GB' } } })
    const r = await pr.run(def)
    expect(r.summary.error).toBeUndefined()
    for (const m of c.members) {
      expect(await sqlOn(w, c, m.name, 'SHOW synchronous_commit'), m.name).toBe('remote_apply')
      expect(await sqlOn(w, c, m.name, 'SHOW wal_keep_size'), m.name).toBe('2GB')
    }
    const verified = r.events.find((e) => e.type === 'progress' && e.progress.stepId === 'verify' && e.progress.message)
    console.log(`settings through Patroni (PATCH /config): ${(r.ms / 1000).toFixed(1)} s in all; ${verified?.type === 'progress' ? verified.progress.message : '?'}`)
    return next
  }

  /** POST /failover to a named replica (Patroni's synchronous standby) under writes: nothing acknowledged lost. */
  async function failoverThroughPatroni(from: string): Promise<string> {
    const named = await wait(10_000, async () => (await readPatroniStatus(w.hosts, c)).members.find((m) => m.role === 'sync_standby')?.name)
    if (!named) throw new Error('Patroni names no synchronous standby to fail over to')
    const def = await pr.kinds.failoverOf(c, named)
    expect(def.params).toMatchObject({ from, to: named })
    await runUnderProbe(`failover through Patroni ${from} → ${named}`, def, from, named)
    const s = await readPatroniStatus(w.hosts, c)
    expect(s.leader).toBe(named)
    expect(s.members.filter((m) => m.name !== named).map((m) => m.state)).toEqual(['running', 'running'])
    return named
  }

  /** etcd answers only TLS with a client certificate of the cluster's CA; the keys are private. */
  async function expectEtcdLocked() {
    const ep = `https://${c.members[0]!.address}:2379`
    const noCert = await w.tryRoot('host2', ['etcdctl', `--endpoints=${ep}`, `--cacert=${TLS_DIR}/ca.crt`, '--dial-timeout=2s', '--command-timeout=2s', 'get', '/service', '--prefix', '--keys-only'])
    expect(noCert.code, 'etcd without a client certificate').not.toBe(0)
    const plain = await w.tryRoot('host2', ['etcdctl', `--endpoints=http://${c.members[0]!.address}:2379`, '--dial-timeout=2s', '--command-timeout=2s', 'get', '/service', '--prefix', '--keys-only'])
    expect(plain.code, 'etcd over plain HTTP').not.toBe(0)
    const modes = await w.asRoot('host1', ['sh', '-c', `cd ${TLS_DIR} && stat -c '%n %a %U' ca.key etcd.key client.key`])
    expect(modes.trim().split('\n')).toEqual(['ca.key 600 root', 'etcd.key 600 etcd', 'client.key 600 postgres'])
    expect((await w.tryRoot('host2', ['test', '-e', `${TLS_DIR}/ca.key`])).code, 'the CA key only on host1').not.toBe(0)
    console.log(`etcd: no client certificate → exit ${noCert.code} (${noCert.stderr.trim().split('\n').at(-1)}); plain HTTP → exit ${plain.code}`)
  }
})
