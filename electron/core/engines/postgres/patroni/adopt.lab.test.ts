// Adopt and rebuild through Patroni against the lab (issue 19): a running 3-member cluster is
// handed over, then adopted into a fresh ReplicaDesk data dir through one of its hosts — the
// record equals what the hand-over made (scope, members, ports, etcd hosts, leader), nothing on
// the servers changes, the status reads it — and a replica is rebuilt through Patroni's
// POST /reinitialize under the write probe: its data dir is a new copy, it streams again,
// nothing acknowledged is lost; the leader is refused. Last, the same through the CLI (its own
// fresh data dir and host records): the dry run shows what was found, the status reads it, a plain
// rejoin and a rebuild of the leader are refused with the reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireNetns } from '../../../../../e2e/lab'
import { HA_HOSTS, sqlOn, startProbe } from '../../../../../e2e/support/postgres/ha-cluster'
import type { World } from '../../../../../e2e/support/postgres/lab-world'
import { dataDirIdentity, handedOverLab, patroniRunner, startTimes } from '../../../../../e2e/support/patroni/lab'
import { cliLab } from '../../../../../e2e/support/cli/cli-lab'
import { ClustersStore } from '../../../clusters/clusters-store'
import { applyOperationOutcome } from '../../../clusters/record-effects'
import { planOperation } from '../../../operations'
import { remoteRunnerOf } from '../../host-exec'
import type { PgCluster } from '../model'
import { readPatroniStatus } from './status'

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms))
const placement = (c: PgCluster) => c.members.map((m) => ({ name: m.name, host: m.host, address: m.address, port: m.port, dataDir: m.dataDir, layout: m.layout, access: m.access, sync: m.sync, neverPromote: m.neverPromote }))

describe('adopt a Patroni cluster, rebuild through Patroni', () => {
  let w: World
  let c: PgCluster
  let fresh: Awaited<ReturnType<typeof patroniRunner>> | undefined
  let adopted: PgCluster | undefined
  let lab: Awaited<ReturnType<typeof handedOverLab>> | undefined

  beforeAll(async () => {
    requireNetns('Patroni adopt lab test')
    lab = await handedOverLab('Patroni adopt lab test', 900_000)
    ;({ w, c } = lab)
  }, 1_200_000)

  afterAll(async () => {
    try {
      await fresh?.close()
    } finally {
      await lab?.close()
    }
  }, 120_000)

  it('adopts the handed-over cluster into a fresh data dir: the same record, nothing changed on the servers', async () => {
    fresh = await patroniRunner(w)
    const records = HA_HOSTS.map((h) => ({ name: h, address: w.host(h).address, user: w.lab.users.admin, access: 'sudo' as const }))
    const before = { data: await dataDirIdentity(w, c), started: await startTimes(w, c) }
    const t0 = performance.now()
    const def = await fresh.kinds.adoptOf({ id: 'adopted', via: records[1]!, restApiPort: 8008, records })
    const found = performance.now() - t0
    const plan = await planOperation(def, remoteRunnerOf(w.hosts))
    console.log(`adopt: discovery through host2 ${found.toFixed(0)} ms; the plan (dry run) says:\n  ${(plan.summary ?? []).join('\n  ')}`)
    expect(plan.steps.map((s) => s.id)).toEqual(['verify'])
    expect(plan.summary?.join(' ')).toMatch(/Found Patroni scope pt through host2 .*leader pt1/)
    const r = await fresh.run(def)
    expect(r.summary.error).toBeUndefined()
    // The record, as the core writes it on success, in the fresh data dir.
    const store = new ClustersStore(fresh.dataDir)
    expect(await applyOperationOutcome(store, r.summary)).toBe(true)
    adopted = await store.get('adopted')
    expect(adopted.automatic).toEqual(c.automatic)
    expect(adopted.major).toBe(c.major)
    expect(placement(adopted)).toEqual(placement(c))
    expect(adopted.replicationRole).toBe(c.replicationRole)
    expect(adopted.maxLagBytes).toBe(c.maxLagBytes)
    expect(def.params.leader).toBe('pt1')
    const s = await readPatroniStatus(w.hosts, adopted)
    expect(s.leader).toBe('pt1')
    expect(s.members.map((m) => [m.name, m.state])).toEqual([['pt1', 'running'], ['pt2', 'running'], ['pt3', 'running']])
    expect(s.etcd).toMatchObject({ voters: 3, down: [] })
    expect({ data: await dataDirIdentity(w, c), started: await startTimes(w, c) }).toEqual(before)
    console.log(`adopt: ${(r.ms / 1000).toFixed(1)} s to run (verify read); status through the adopted record: leader ${s.leader}, ${s.members.map((m) => `${m.name} ${m.role}`).join(', ')}; etcd ${s.etcd.up.length}/3 up`)
  }, 120_000)

  it('rebuilds a replica through POST /reinitialize under writes: a new copy, streaming again, nothing lost; the leader refused', async () => {
    expect(adopted, 'the adopt test failed').toBeDefined()
    const rec = adopted!
    const s = await readPatroniStatus(w.hosts, rec)
    const leader = s.leader!
    await expect(fresh!.kinds.reinitializeOf(rec, leader)).rejects.toThrow(/is Patroni's leader: it cannot be rebuilt/)
    // The replica that is not Patroni's synchronous standby: strict synchronous writes keep going meanwhile.
    const target = s.members.find((m) => m.role === 'replica')?.name ?? s.members.find((m) => m.name !== leader)!.name
    const before = await dataDirIdentity(w, rec)
    const def = await fresh!.kinds.reinitializeOf(rec, target)
    const plan = await planOperation(def, remoteRunnerOf(w.hosts))
    expect(plan.steps.map((x) => x.id)).toEqual(['preflight', 'reinitialize', 'verify'])
    const probe = await startProbe(rec, leader)
    try {
      await sleep(500)
      const r = await fresh!.run(def)
      for (const e of r.events) if (e.type === 'progress' && e.progress.message) console.log(`  ${e.progress.at} ${e.progress.stepId}: ${e.progress.message}`)
      expect(r.summary.error).toBeUndefined()
      await sleep(500)
      const report = await probe.finish(leader)
      console.log(`rebuild of ${target} through Patroni: ${(r.ms / 1000).toFixed(1)} s; ${report.acknowledged} writes acknowledged, 0 lost; longest write gap ${report.longestGap?.ms.toFixed(0) ?? '?'} ms`)
    } finally {
      await probe.teardown()
    }
    const after = await dataDirIdentity(w, rec)
    const [inodeBefore, , , sysidBefore] = before[target]!.split(' ')
    const [inodeAfter, , , sysidAfter] = after[target]!.split(' ')
    expect(`${after[target]}`, `${target}'s PG_VERSION is a new file`).not.toBe(before[target])
    expect(sysidAfter).toBe(sysidBefore)
    console.log(`${target}: data dir inode ${inodeBefore} → ${inodeAfter}; identity before ${before[target]}, after ${after[target]}`)
    for (const m of rec.members.filter((x) => x.name !== target)) expect(after[m.name], m.name).toBe(before[m.name])
    expect(await sqlOn(w, rec, target, 'SELECT status FROM pg_stat_wal_receiver')).toBe('streaming')
    expect((await readPatroniStatus(w.hosts, rec)).members.find((m) => m.name === target)?.state).toBe('running')
  }, 300_000)

  it('the CLI: `automatic NAME --adopt HOST` with a dry run first, then status; rejoin refused, rebuild of the leader refused; Patroni\'s timings through settings', async () => {
    expect(adopted, 'the adopt test failed').toBeDefined()
    const t = await cliLab()
    const via = t.hosts.findIndex((h) => h.address === w.host('host2').address)
    expect(via, 'host2 among the CLI lab hosts').toBeGreaterThanOrEqual(0)
    const dry = await t.cli('automatic', 'viacli', '--adopt', `h${via + 1}`, '--dry-run')
    expect(dry.err).toBe('')
    expect(dry.out).toMatch(/dry run: nothing was changed/)
    expect(dry.out).toMatch(/Found Patroni scope pt through h\d .*leader pt1/)
    expect(JSON.parse((await t.cli('cluster', 'list', '--json')).out)).toEqual([])
    const run = await t.cli('automatic', 'viacli', '--adopt', `h${via + 1}`)
    expect(run.err).toBe('')
    expect(run.code).toBe(0)
    const [rec] = JSON.parse((await t.cli('cluster', 'list', '--json')).out)
    expect(rec).toMatchObject({ id: 'viacli', automatic: { mode: 'patroni', scope: 'pt', restApiPort: 8008 } })
    expect(rec.members.map((m: { name: string; port: number; dataDir: string; access: string }) => [m.name, m.port, m.dataDir, m.access])).toEqual(c.members.map((m) => [m.name, m.port, m.dataDir, 'postgres']))
    const status = await t.cli('status', 'viacli', '--json')
    expect(status.code).toBe(0)
    expect(status.out).toMatch(/pt1/)
    const rejoin = await t.cli('rejoin', 'viacli', 'pt3', '--yes')
    expect(rejoin.code).not.toBe(0)
    expect(rejoin.err).toMatch(/Patroni rejoins a former primary itself/)
    const leader = await t.cli('rejoin', 'viacli', 'pt1', '--rebuild', '--dry-run')
    expect(leader.code).not.toBe(0)
    expect(leader.err).toMatch(/pt1 is Patroni's leader: it cannot be rebuilt/)
    console.log(`CLI dry run of the adopt:\n${dry.out}`)

    // Patroni's timings through settings (PATCH /config): checked against its rule with the values it runs with.
    const ttl = await t.cli('settings', 'viacli', '--ttl', '9', '--dry-run')
    expect(ttl.err).toBe('')
    expect(ttl.out.replace(/\s+/g, ' ')).toMatch(/With ttl 9 s, loop_wait 1 s and retry_timeout 3 s a powered-off primary is replaced in about/)
    const set = await t.cli('settings', 'viacli', '--ttl', '9', '--yes')
    expect(set.code, `${set.out}\n${set.err}`).toBe(0)
    const tooLong = await t.cli('settings', 'viacli', '--retry-timeout', '5', '--dry-run')
    expect(tooLong.code).not.toBe(0)
    expect(tooLong.err.replace(/\s+/g, ' ')).toMatch(/loop_wait \+ 2 × retry_timeout \(11 s\) must not exceed ttl \(9 s\).*now ttl 9, loop_wait 1, retry_timeout 3/)
  }, 120_000)
})
