// The write probe against a real primary and standby in the lab: what it counts as
// acknowledged is really there, it follows a promotion, it reports a split, and it never turns
// a synchronous-commit wait into an acknowledgement (no cancel: the socket is dropped).
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { execOk } from '../lab'
import { sleep, waitFor } from '../lab/run'
import { describeReport, PROBE_ROLE, setupProbe, WriteProbe, type ProbeAccess, type WriteProbeOptions } from './index'
import { makeProbeTestCluster, type ProbeTestCluster } from './test-cluster'

let cluster: ProbeTestCluster
let access: ProbeAccess
const probes: WriteProbe[] = []

const until = (what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 10_000) => waitFor(what, cond, timeoutMs)
async function startProbe(o: Partial<WriteProbeOptions> = {}) {
  const p = await WriteProbe.start({ members: access.members, password: access.password, ...o })
  probes.push(p)
  return p
}

beforeEach(async () => {
  cluster = await makeProbeTestCluster()
  access = await setupProbe({ members: cluster.members, primary: 'host1', lab: cluster.lab })
})

afterEach(async () => {
  await Promise.all(probes.splice(0).map((p) => p.stop({ drainMs: 0 })))
  await cluster.teardown()
})

describe('write probe', () => {
  it('setup is idempotent (one hba line per member, on top) and teardown removes it', async () => {
    await setupProbe({ members: cluster.members, primary: 'host1', lab: cluster.lab })
    const hba = async (m: (typeof cluster.members)[number]) => (await execOk(m.host, ['cat', access.hbaFiles[m.name]!])).split('\n')
    for (const m of cluster.members) {
      const lines = await hba(m)
      expect(lines.filter((l) => l.includes(PROBE_ROLE))).toHaveLength(1)
      expect(lines[1]).toMatch(new RegExp(`^host\\s+postgres\\s+${PROBE_ROLE}\\s+${cluster.lab.gateway}/32\\s+scram-sha-256$`))
    }
    await access.teardown()
    for (const m of cluster.members) expect((await hba(m)).filter((l) => l.includes(PROBE_ROLE))).toEqual([])
  })

  it('finds every acknowledged write on the primary and on the caught-up standby', async () => {
    const probe = await startProbe()
    await until('50 acknowledgements', () => probe.stats().acknowledged >= 50)
    await probe.stop()
    const r = await probe.verify('host1')
    expect(r, describeReport(r)).toMatchObject({ lost: [], phantom: [], failed: 0, uncertain: 0, pending: 0, overlaps: [], splits: [] })
    expect(r.longestGap!.ms).toBeLessThan(1000)
    const tl = probe.timelines()
    expect(tl.host1!.map((s) => s.state)).toEqual(['writable'])
    expect(tl.host2!.map((s) => s.detail)).toEqual(['in recovery'])
    await until('standby replay', async () => (await cluster.psql('host2', `SELECT count(*) FROM rd_probe`)) === String(r.acknowledged))
    expect((await probe.verify('host2')).lost).toEqual([])
  })

  it('follows a promotion after the primary stops, and measures the gap', async () => {
    const probe = await startProbe()
    await until('20 acknowledgements', () => probe.stats().acknowledged >= 20)
    const t = performance.now()
    await cluster.stop('host1')
    await cluster.promote('host2')
    await until('an acknowledgement by host2', () => probe.firstAckAfter('host2', t) !== undefined)
    await sleep(300)
    await probe.stop()
    const r = await probe.verify('host2')
    console.log(`promotion after a clean stop: ${describeReport(r)}\nfirst ack by host2 ${probe.firstAckAfter('host2', t)!.ms.toFixed(0)} ms after the stop began`)
    expect(r, describeReport(r)).toMatchObject({ lost: [], phantom: [], overlaps: [], splits: [] })
    expect(r.longestGap).toMatchObject({ fromMember: 'host1', toMember: 'host2' })
    expect(r.longestGap!.ms).toBeGreaterThan(0)
    expect(r.firstAck.host2!.at).toBe(r.longestGap!.to)
  })

  it('counts writes to a read-only or crashed primary as failed or uncertain, never acknowledged-and-missing', async () => {
    // Slow inserts keep a few in flight at the crash; a slow watcher lets writes hit read-only.
    await cluster.psql('host1', `CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.05); RETURN NEW; END $$;
CREATE TRIGGER slow BEFORE INSERT ON rd_probe FOR EACH ROW EXECUTE FUNCTION slow();`)
    const probe = await startProbe({ watchIntervalMs: 1500 })
    await until('acknowledgements', () => probe.stats().acknowledged >= 5)
    await cluster.psql('host1', 'ALTER SYSTEM SET default_transaction_read_only = on; SELECT pg_reload_conf()')
    await until('failed writes', () => probe.stats().failed >= 3)
    await cluster.psql('host1', 'SET default_transaction_read_only = off; ALTER SYSTEM RESET default_transaction_read_only; SELECT pg_reload_conf()')
    const back = probe.stats().acknowledged
    await until('acknowledgements again', () => probe.stats().acknowledged >= back + 5)
    await until('writes in flight', () => probe.stats().pending >= 2)
    await cluster.stop('host1', 'immediate')
    await sleep(300)
    await cluster.start('host1')
    await probe.stop()
    const r = await probe.verify('host1')
    expect(r, describeReport(r)).toMatchObject({ lost: [], phantom: [], pending: 0 })
    expect(r.failed).toBeGreaterThanOrEqual(3)
    expect(r.uncertain).toBeGreaterThanOrEqual(1)
    expect(probe.attempts.filter((a) => a.outcome === 'failed').every((a) => a.reason!.startsWith('25006'))).toBe(true)
  })

  it('reports two writable members (standby promoted while the primary runs) and writes to neither', async () => {
    const probe = await startProbe()
    await until('acknowledgements', () => probe.stats().acknowledged >= 10)
    const t = performance.now()
    await cluster.promote('host2')
    await until('a split tick', () => probe.stats().splitTicks >= 10)
    await probe.stop()
    const r = await probe.verify('host1')
    expect(r.overlaps.length, describeReport(r)).toBeGreaterThan(0)
    expect(r.overlaps[0]!.members).toEqual(['host1', 'host2'])
    expect(r.firstAck.host2).toBeUndefined()
    expect(r.lost).toEqual([])
    expect(r.splits.every((s) => s.at > t)).toBe(true)
  })

  it('a write waiting for a stopped synchronous standby ends uncertain: socket dropped, never cancelled', async () => {
    await cluster.stop('host2')
    await cluster.psql('host1', `ALTER SYSTEM SET synchronous_standby_names = '"host2"'; SELECT pg_reload_conf()`)
    const waiting = `SELECT count(*) FROM pg_stat_activity WHERE usename = '${PROBE_ROLE}' AND wait_event = 'SyncRep'`

    const probe = await startProbe({ writeTimeoutMs: 800, maxInFlightPerMember: 4 })
    await until('4 uncertain writes', () => probe.stats().uncertain >= 4)
    const s = probe.stats()
    expect(s.acknowledged).toBe(0)
    expect(s.destroyed).toBeGreaterThanOrEqual(4)
    expect(s.warnings.filter((w) => /synchronous/i.test(w))).toEqual([])
    expect(probe.attempts.filter((a) => a.outcome === 'uncertain').every((a) => /no answer in 800 ms: connection destroyed/.test(a.reason!))).toBe(true)
    // Their backends still wait for the standby: a cancel would have ended the wait.
    expect(Number(await cluster.psql('host1', waiting))).toBeGreaterThanOrEqual(s.destroyed)
    await probe.stop({ drainMs: 0 })

    // Someone else cancels the wait: the server answers "INSERT 0 1" plus a WARNING. Uncertain.
    const probe2 = await startProbe({ writeTimeoutMs: 20_000, maxInFlightPerMember: 2 })
    await until('writes waiting', () => probe2.stats().pending >= 2)
    await cluster.psql('host1', `SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'rd-probe-write' AND wait_event = 'SyncRep'`)
    await until('the cancelled writes to end', () => probe2.attempts.filter((a) => /success with WARNING/.test(a.reason ?? '')).length >= 2)
    expect(probe2.stats().acknowledged).toBe(0)
    await probe2.stop({ drainMs: 0 })

    await cluster.psql('host1', 'ALTER SYSTEM RESET synchronous_standby_names; SELECT pg_reload_conf()')
    await until('the waits to end', async () => (await cluster.psql('host1', waiting)) === '0')
    const r1 = await probe.verify('host1')
    const r2 = await probe2.verify('host1')
    expect(r1, describeReport(r1)).toMatchObject({ acknowledged: 0, lost: [], phantom: [] })
    expect(r2, describeReport(r2)).toMatchObject({ acknowledged: 0, lost: [], phantom: [] })
    // The "successful" writes are there although no standby ever had them.
    expect(r2.uncertainPresent).toBeGreaterThanOrEqual(2)
  })
})
