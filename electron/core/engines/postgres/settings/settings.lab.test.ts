// Redundancy settings against the lab (issue 16): a three-member cluster (plain data dirs as
// postgres), each replication mode applied and read back from every server; ANY 1 of 2 keeps
// writing with one replica stopped, FIRST 2 is refused while it would block and blocks when
// confirmed; a restart-only setting rolled over the standbys under the write probe.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PgCluster } from '../model'
import { buildHaCluster, dropHaCluster, haCluster, haWorld, sqlOn, startProbe } from '../../../../../e2e/support/postgres/ha-cluster'
import type { World } from '../../../../../e2e/support/postgres/lab-world'
import { assessSettings } from './changes'

describe('redundancy settings, applied and verified on every member', () => {
  let w: World
  let c: PgCluster
  const opts = { id: 'rs', layout: 'plain' as const, sync: true, port: 5437 }
  const show = (name: string, key: string) => sqlOn(w, c, name, `SHOW ${key}`)
  const pgctl = (name: string, ...args: string[]) => {
    const m = c.members.find((x) => x.name === name)!
    return w.asRoot(m.host, ['/usr/lib/postgresql/15/bin/pg_ctl', '-D', m.dataDir, '-l', `/var/log/postgresql/replicadesk-${m.name}.log`, '-w', ...args], 'postgres')
  }

  async function apply(next: PgCluster, extra: { blockWrites?: boolean; switchover?: { from: string; to: string; back: boolean } } = {}) {
    const def = w.engine.applySettings({ cluster: next, previous: c, ...extra })
    const r = await w.run(def)
    if (r.summary.status === 'succeeded') c = next
    return r
  }
  const withSync = (method: 'ANY' | 'FIRST', num: number, more: Partial<PgCluster> = {}) => w.engine.parseCluster({ ...c, sync: { method, num }, ...more })

  beforeAll(async () => {
    w = await haWorld(opts)
    c = haCluster(w, opts)
    await buildHaCluster(w, c)
    await sqlOn(w, c, 'rs1', 'CREATE TABLE t (id serial primary key, at timestamptz default now())')
  }, 180_000)

  afterAll(async () => {
    if (!w) return
    await dropHaCluster(w, c)
    await w.close()
  })

  it('applies each mode and synchronous_commit, read back from every server', async () => {
    const times: number[] = []
    for (const next of [withSync('FIRST', 1), withSync('FIRST', 1, { synchronousCommit: 'remote_apply' }), withSync('ANY', 1, { synchronousCommit: 'on', slotWalCap: '2GB' })]) {
      const r = await apply(next)
      expect(r.summary.error).toBeUndefined()
      times.push(r.ms)
      expect(await show('rs1', 'synchronous_standby_names')).toBe(`${next.sync.method} 1 ("rs2", "rs3")`)
      // Every member is marked synchronous: a standby names the others, ready for its promotion.
      expect(await show('rs2', 'synchronous_standby_names')).toBe(`${next.sync.method} 1 ("rs1", "rs3")`)
      expect(await show('rs3', 'synchronous_standby_names')).toBe(`${next.sync.method} 1 ("rs1", "rs2")`)
      for (const m of ['rs1', 'rs2', 'rs3']) expect(await show(m, 'synchronous_commit')).toBe(next.synchronousCommit)
    }
    for (const m of ['rs1', 'rs2', 'rs3']) expect(await show(m, 'max_slot_wal_keep_size')).toBe('2GB')
    // Asynchronous: every member marked non-synchronous.
    const r = await apply(w.engine.parseCluster({ ...c, members: c.members.map((m) => ({ ...m, sync: false })) }))
    expect(r.summary.error).toBeUndefined()
    for (const m of ['rs1', 'rs2', 'rs3']) expect(await show(m, 'synchronous_standby_names')).toBe('')
    console.log(`settings applied and verified on 3 members: ${times.map((t) => t.toFixed(0)).join(', ')} ms`)
    const back = await apply(w.engine.parseCluster({ ...c, members: c.members.map((m) => ({ ...m, sync: m.name !== 'rs1' })) }))
    expect(back.summary.error).toBeUndefined()
  }, 120_000)

  it('ANY 1 of 2 keeps writing with one replica stopped; FIRST 2 is refused, then blocks when confirmed', async () => {
    await pgctl('rs3', '-m', 'immediate', 'stop')
    try {
      expect(await sqlOn(w, c, 'rs1', "SET statement_timeout = '3s'; INSERT INTO t DEFAULT VALUES")).toContain('INSERT 0 1')
      const first2 = withSync('FIRST', 2)
      const plan = assessSettings(c, first2, 'rs1', ['rs2'])
      expect(plan.blocksWrites).toMatch(/needs 2 of rs2, rs3 streaming; rs2 streams now/)
      const refused = await apply(first2)
      expect(refused.summary.status).toBe('failed')
      expect(refused.summary.error?.message).toMatch(/Every write on rs1 waits until enough do\. Nothing was changed: confirm that writes may wait/)
      expect(await show('rs1', 'synchronous_standby_names')).toBe('ANY 1 ("rs2", "rs3")')
      const confirmed = await apply(first2, { blockWrites: true })
      expect(confirmed.summary.error).toBeUndefined()
      expect(await show('rs1', 'synchronous_standby_names')).toBe('FIRST 2 ("rs2", "rs3")')
      // A write now waits for rs3 (statement_timeout does not end that wait: the client gives up).
      const waited = await w.tryRoot('host1', ['timeout', '2', '/usr/lib/postgresql/15/bin/psql', '-X', '-At', '-h', '/var/run/postgresql', '-p', '5437', '-d', 'postgres', '-c', 'INSERT INTO t DEFAULT VALUES'], 'postgres')
      expect(waited.code).toBe(124)
      expect(await sqlOn(w, c, 'rs1', "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'")).not.toBe('0')
    } finally {
      await pgctl('rs3', 'start')
    }
    const back = await apply(withSync('ANY', 1))
    expect(back.summary.error).toBeUndefined()
  }, 120_000)

  it('a restart-only setting rolls over the standbys under the write probe; the primary is left pending', async () => {
    const probe = await startProbe(c, 'rs1')
    try {
      const r = await apply(w.engine.parseCluster({ ...c, maxWalSenders: c.maxWalSenders + 2 }))
      expect(r.summary.error).toBeUndefined()
      const verify = r.events.filter((e) => e.type === 'progress' && e.progress.stepId === 'verify').at(-1)
      expect(verify?.type === 'progress' && verify.progress.message).toMatch(/restart pending: rs1 \(max_wal_senders\)/)
      for (const m of ['rs2', 'rs3']) expect(await show(m, 'max_wal_senders')).toBe(String(c.maxWalSenders))
      expect(await show('rs1', 'max_wal_senders')).toBe(String(c.maxWalSenders - 2))
      const report = await probe.finish('rs1')
      console.log(`rolling restart of 2 standbys: ${r.ms.toFixed(0)} ms, longest write gap ${report.longestGap?.ms.toFixed(0) ?? "?"} ms`)
    } finally {
      await probe.teardown()
    }
  }, 180_000)

  it('…and with the primary restarted through a switchover there and back: every member runs it, no acknowledged write lost', async () => {
    const probe = await startProbe(c, 'rs1')
    try {
      const want = c.maxWalSenders + 1
      const r = await apply(w.engine.parseCluster({ ...c, maxWalSenders: want }), { switchover: { from: 'rs1', to: 'rs2', back: true } })
      expect(r.summary.error).toBeUndefined()
      expect(r.summary.steps.map((s) => s.id)).toContain('back-promote')
      for (const m of ['rs1', 'rs2', 'rs3']) expect(await show(m, 'max_wal_senders')).toBe(String(want))
      const report = await probe.finish('rs1')
      console.log(`rolling restart of 3 members (the primary through a switchover there and back): ${r.ms.toFixed(0)} ms, longest write gap ${report.longestGap?.ms.toFixed(0) ?? '?'} ms`)
    } finally {
      await probe.teardown()
    }
  }, 180_000)

  it('refuses to lower a restart-only setting, before changing anything', async () => {
    const r = await apply(w.engine.parseCluster({ ...c, maxWalSenders: c.maxWalSenders - 1 }))
    expect(r.summary.status).toBe('failed')
    expect(r.summary.error?.message).toMatch(/Lowering max_wal_senders is not automated/)
  })
})
