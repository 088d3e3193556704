// Live status against the lab: a primary and two streaming standbys made by hand (host1, host2
// read through the admin login and a pg_monitor role, host3 as postgres). The tests build on
// each other in order: steady state, lag under pgbench, a stopped standby, a killed host, a
// cut host, a hung backend and a hung server (SIGSTOP), sshd refusing stream-local
// forwarding, the persisted primary position, and last a standby promoted behind
// ReplicaDesk's back (split brain). Every event goes through a client-side copy
// (e2e/support/status/watch.ts) that must stay in sequence and equal to status.get.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { cut, exec as labExec, heal, kill, readLab, requireNetns, resetHost, restart } from '../../../e2e/lab'
import { sshdConfigPath } from '../../../e2e/lab/host-files'
import { AppError } from '../../../shared/errors'
import { clusterStatus } from '../../../shared/status'
import { labContext } from '../../../e2e/support/ssh/lab-fixtures'
import type { SshService } from '../ssh'
import { readStatusOnce } from './oneshot'
import { postgresStatus, socketPathOf } from '../engines/postgres/status'
import { DbSession } from '../engines/postgres/status/session'
import { PositionStore } from './positions'
import { createStatusService, type StatusService } from './service'
import { makeLabCluster, type LabCluster } from '../../../e2e/support/status/lab-cluster'
import { watch, type Watch } from '../../../e2e/support/status/watch'

const HOSTS = ['host1', 'host2', 'host3']
const DOWN_LIMIT_MS = 3500 // the goal is 2 s; slack for a loaded 2-core machine
const lab = readLab()
const netns = lab.mode === 'netns'
const ctx = labContext()
const timings: Record<string, number> = {}
let c: LabCluster
let ssh: SshService
let status: StatusService
let w: Watch

describe.skipIf(!netns)('live status on a primary with two standbys', () => {
  beforeAll(async () => {
    const t0 = performance.now()
    c = await makeLabCluster({ id: 'lab-status', port: 5471, hosts: HOSTS, names: ['db1', 'db2', 'db3'], base: '/var/lib/postgresql/rdstat-lab', logins: { host1: 'admin', host2: 'admin' } })
    timings.setup = performance.now() - t0
    ssh = ctx.service({ reconnect: { initialMs: 100, maxMs: 1000 }, connectTimeoutMs: 3000 })
    status = createStatusService({ ssh, dataDir: ctx.dir, source: postgresStatus, defaults: { positionWriteMs: 1000, connectTimeoutMs: 3000 } })
    w = watch(status, 'lab-status')
    const input = c.input()
    delete input.members[1]!.dataDir // db2's is read from the server (pg_settings, through pg_monitor)
    await status.start(input)
  })

  afterEach(async () => {
    await Promise.all(HOSTS.map((h) => resetHost(h, lab)))
  })

  afterAll(async () => {
    w?.stop()
    // late polls beyond those of the hung and cut tests (one each) would be false alarms
    if (status) console.log(`[status lab] polls ${status.stats('lab-status').polls}, late ${status.stats('lab-status').late}`)
    await status?.close()
    await c?.teardown()
    await ctx.closeAll()
    console.log(`[status lab] timings (ms): ${Object.entries(timings).map(([k, v]) => `${k} ${Math.round(v)}`).join(', ')}`)
  })

  const allUp = (s: { members: { state: string }[] }) => s.members.every((m) => m.state === 'up')

  it('reads every member over one persistent session each, admin logins included', async () => {
    await w.until(allUp, 10_000, 'all members up')
    await w.until((s) => s.members.every((m) => m.disk !== null), 10_000, 'disk figures')
    const s = status.get('lab-status')
    expect(clusterStatus.safeParse(s).success).toBe(true)
    expect(s.primary).toBe('db1')
    expect(s.splitBrain).toBeNull()
    const [db1, db2, db3] = s.members
    expect(db1).toMatchObject({ role: 'primary', writable: true, timeline: 1, lagBytes: 0, lagSeconds: 0, upstream: null })
    expect(db1!.version).toMatch(/^15\./)
    for (const m of [db2!, db3!]) {
      expect(m).toMatchObject({ role: 'standby', writable: false, timeline: 1, upstream: 'db1', senderState: 'streaming', syncState: 'async' })
      expect(m.replayLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/)
    }
    for (const m of s.members) {
      expect(m.disk!.freeBytes).toBeGreaterThan(0)
      expect(m.disk!.path).toBe(c.dataDir)
      expect(Date.parse(m.startedAt!)).toBeLessThan(Date.now())
    }
    // one backend per member, the same one poll after poll: never a new session per poll
    const pids = async () => Promise.all(c.o.names.map((n) => c.psql(n, "SELECT string_agg(pid::text || ':' || usename, ',') FROM pg_stat_activity WHERE application_name = 'replicadesk-status'")))
    const before = await pids()
    await new Promise((r) => setTimeout(r, 2500))
    expect(await pids()).toEqual(before)
    expect(before.map((p) => p.split(',').length)).toEqual([1, 1, 1])
    expect(before.map((p) => p.split(':')[1])).toEqual([lab.users.admin, lab.users.admin, 'postgres'])
    expect(status.stats('lab-status').polls).toBeGreaterThan(6)
  })

  it('lag rises under a write load and falls after it, in status and in the history', async () => {
    const pgbench = [`${lab.pgBin}/pgbench`, '-h', '/run/postgresql', '-p', '5471']
    const from = Date.now()
    const max = { db2: 0, db3: 0, db3Seconds: 0 }
    const stopSampling = w.each((s) => {
      max.db2 = Math.max(max.db2, s.members[1]!.lagBytes ?? 0)
      max.db3 = Math.max(max.db3, s.members[2]!.lagBytes ?? 0)
      max.db3Seconds = Math.max(max.db3Seconds, s.members[2]!.lagSeconds ?? 0)
    })
    // Standbys on this machine replay within milliseconds, so db2's lag is only caught in
    // flight; db3 stops replaying for the length of the load, as a slow standby would.
    await c.psql('db3', 'SELECT pg_wal_replay_pause()')
    try {
      await c.run('db1', [...pgbench, '-i', '-s', '4', '-q', 'postgres'])
      await c.run('db1', [...pgbench, '-T', '3', '-c', '4', '-j', '2', 'postgres'])
      await w.until((s) => (s.members[2]!.lagBytes ?? 0) > 1024 * 1024, 5000, 'db3 behind by over 1 MB')
      expect(w.member('db3').receiveLsn).not.toBe(w.member('db3').replayLsn) // received, waiting to be replayed
    } finally {
      await c.psql('db3', 'SELECT pg_wal_replay_resume()')
    }
    const loadEnd = Date.now()
    stopSampling()
    console.log(`under load: max lag db2 ${max.db2} bytes (caught in flight), db3 ${max.db3} bytes / ${max.db3Seconds.toFixed(2)} s (replay paused)`)
    expect(max.db3).toBeGreaterThan(1024 * 1024)
    expect(max.db3Seconds).toBeGreaterThan(0.5)
    const t = performance.now()
    await w.until((s) => s.members.slice(1).every((m) => m.lagBytes === 0 && m.lagSeconds === 0), 15_000, 'lag back to 0')
    timings.lagSettles = performance.now() - t
    const h = status.history('lab-status', 120)
    expect(h.members.map((m) => m.name)).toEqual(['db1', 'db2', 'db3'])
    const during = h.t.map((x, i) => [x, h.members[2]!.lagBytes[i] ?? 0] as const).filter(([x]) => x >= from && x <= loadEnd)
    expect(Math.max(...during.map(([, b]) => b))).toBeGreaterThan(1024 * 1024)
    await new Promise((r) => setTimeout(r, 1200))
    const last = status.history('lab-status', 1)
    expect(last.members[1]!.lagBytes.at(-1)).toBe(0)
    expect(last.members[2]!.lagBytes.at(-1)).toBe(0)
    expect(last.members[2]!.lagSeconds.at(-1)).toBe(0)
  })

  it('a stopped standby shows down within 2 s with the reason, and comes back after start', async () => {
    const t0 = performance.now()
    const down = w.until((s) => s.members[1]!.state === 'down', 10_000, 'db2 down')
    await c.stop('db2')
    timings.stopDown = (await down) - t0
    const m = w.member('db2')
    expect(['shutting_down', 'not_running']).toContain(m.down!.code)
    expect(m.down!.reason).toContain('db2 on host2')
    expect(timings.stopDown).toBeLessThan(DOWN_LIMIT_MS)
    await w.until((s) => s.members[1]!.down?.code === 'not_running', 5000, 'db2 reported not running')
    expect(w.member('db2').down!.reason).toMatch(/not running/)
    const t1 = performance.now()
    await c.start('db2')
    timings.stopBack = (await w.until((s) => s.members[1]!.state === 'up', 10_000, 'db2 up')) - t1
    expect(w.member('db2')).toMatchObject({ down: null, stale: false, role: 'standby' })
  })

  it('a killed host shows down within 2 s, and comes back after restart', async () => {
    const t0 = performance.now()
    const down = w.until((s) => s.members[2]!.state === 'down', 10_000, 'db3 down')
    await kill('host3', lab)
    timings.killDown = (await down) - t0
    const m = w.member('db3')
    expect(m.down!.code).toBe('ssh_unreachable')
    expect(m.down!.reason).toContain('db3 on host3')
    expect(timings.killDown).toBeLessThan(DOWN_LIMIT_MS)
    expect(w.member('db1').state).toBe('up')
    await restart('host3', lab)
    const t1 = performance.now()
    await c.start('db3')
    timings.killBack = (await w.until((s) => s.members[2]!.state === 'up', 15_000, 'db3 up')) - t1
  })

  it('a cut host shows down within 2 s, and comes back after heal', async () => {
    const t0 = performance.now()
    const down = w.until((s) => s.members[1]!.state === 'down', 10_000, 'db2 down')
    await cut('host2', lab)
    timings.cutDown = (await down) - t0
    // whichever notices first: the poll's answer deadline or SSH keepalive, which names the cause
    expect(['timeout', 'ssh_unreachable']).toContain(w.member('db2').down!.code)
    expect(timings.cutDown).toBeLessThan(DOWN_LIMIT_MS)
    await w.until((s) => s.members[1]!.down?.code === 'ssh_unreachable', 5000, 'db2 unreachable over SSH')
    expect(w.member('db2').down!.reason).toMatch(/db2 on host2.*(stopped answering|unreachable)/)
    const t1 = performance.now()
    await heal('host2', lab)
    timings.cutBack = (await w.until((s) => s.members[1]!.state === 'up', 20_000, 'db2 up')) - t1
    await w.until((s) => s.members.slice(1).every((x) => x.lagBytes === 0), 10_000, 'caught up')
  })

  it('a poll that hangs is never piled on: ticks are skipped, then the member is down (timeout) and reconnects', async () => {
    const backend = await c.psql('db3', "SELECT pid FROM pg_stat_activity WHERE application_name = 'replicadesk-status'")
    expect(backend).toMatch(/^\d+$/)
    const skipped0 = status.stats('lab-status').skipped
    const t0 = performance.now()
    await c.run('db3', ['kill', '-STOP', backend], 'root')
    try {
      const down = await w.until((s) => s.members[2]!.state === 'down', 10_000, 'db3 down')
      timings.hungBackendDown = down - t0
      expect(w.member('db3').down!.code).toBe('timeout')
      expect(w.member('db3').down!.reason).toContain('no answer from PostgreSQL')
      expect(timings.hungBackendDown).toBeLessThan(DOWN_LIMIT_MS)
      // a stuck backend stays stuck: after reopenAfterMs the session is replaced
      await w.until((s) => s.members[2]!.state === 'up', 10_000, 'db3 up again')
      // one poll stayed in flight; the ticks meanwhile were skipped, not queued behind it
      expect(status.stats('lab-status').skipped - skipped0).toBeGreaterThanOrEqual(2)
      const sessions = await c.psql('db3', "SELECT string_agg(pid::text, ',') FROM pg_stat_activity WHERE application_name = 'replicadesk-status' AND pid <> " + backend)
      expect(sessions.split(',')).toHaveLength(1)
    } finally {
      await c.run('db3', ['kill', '-CONT', backend], 'root')
    }
    // every query of the session runs under a statement timeout
    const s = await DbSession.open(ssh, { target: c.target('host3'), socketPath: socketPathOf({ socketDir: '/run/postgresql', port: 5471 }), connectTimeoutMs: 3000, statementTimeoutMs: 1000 })
    expect((await s.row('SHOW statement_timeout')).statement_timeout).toBe('1s')
    await s.close()
  })

  it('a hung server (every process of it stopped) shows down within 2 s (timeout), and answers again after SIGCONT', async () => {
    // The postmaster alone stopped is not a hung server: its backends, ours included, keep
    // answering. Stop the whole instance: the postmaster (postmaster.pid) and its children.
    const signal = (sig: string) => c.run('db3', ['sh', '-c', 'pm=$(head -n 1 "$1/postmaster.pid") && kill -s "$2" "$pm" $(pgrep -P "$pm")', 'sh', c.dataDir, sig], 'root')
    const late0 = status.stats('lab-status').late
    const t0 = performance.now()
    let t1 = 0
    await signal('STOP')
    try {
      timings.hungDown = (await w.until((s) => s.members[2]!.state === 'down', 10_000, 'db3 down')) - t0
      expect(w.member('db3').down).toMatchObject({ code: 'timeout', reason: expect.stringContaining('db3 on host3: no answer from PostgreSQL') })
      expect(timings.hungDown).toBeLessThan(DOWN_LIMIT_MS)
      expect(status.stats('lab-status').late).toBeGreaterThan(late0)
      expect(w.member('db1').state).toBe('up')
    } finally {
      t1 = performance.now()
      await signal('CONT')
    }
    timings.hungBack = (await w.until((s) => s.members[2]!.state === 'up', 10_000, 'db3 up again')) - t1
    expect(w.member('db3')).toMatchObject({ down: null, role: 'standby' })
    // kept or reopened, one session: none left behind
    await expect.poll(() => c.psql('db3', "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'replicadesk-status'"), { timeout: 5000 }).toBe('1')
  })

  it('says clearly when sshd refuses stream-local forwarding (AllowStreamLocalForwarding no)', async () => {
    const h = c.host('db2')
    const pidFile = '/tmp/rd-status-nofwd-sshd.pid'
    const r = await labExec(h, ['/usr/sbin/sshd', '-f', sshdConfigPath(h.dir), '-p', '2222', '-o', `PidFile=${pidFile}`, '-o', 'AllowStreamLocalForwarding=no'], { lab })
    expect(r.code, r.stderr).toBe(0)
    try {
      const known = join(ctx.dir, 'known_hosts_2222')
      writeFileSync(known, `[${h.address}]:2222 ${h.hostKeyPublic}\n`)
      const svc = ctx.service({ knownHostsPaths: [lab.knownHostsPath, known] })
      const target = { address: h.address, port: 2222, user: 'postgres', identityFile: lab.clientKeyPath }
      const err = await svc.openStreamLocal(target, socketPathOf({ socketDir: '/run/postgresql', port: 5471 })).then(() => null, (e: unknown) => e)
      expect(err).toBeInstanceOf(AppError)
      const e = err as AppError
      expect(e.code).toBe('ssh_connect')
      expect(e.message).toContain('AllowStreamLocalForwarding')
      expect(e.message).toContain(h.address)
      expect(e.detail).toMatchObject({ reason: 'stream_local_refused', sshdSetting: 'AllowStreamLocalForwarding', host: h.address })
      // the socket itself is fine: the same socket through the normal sshd works
      const ok = await ssh.openStreamLocal(c.target('host2'), socketPathOf({ socketDir: '/run/postgresql', port: 5471 }))
      ok.stream.destroy()
      // and status says it per member
      const input = c.input()
      input.members[1]!.target = target
      const once = await readStatusOnce(svc, input, { source: postgresStatus })
      expect(once.members[1]).toMatchObject({ state: 'down', down: { code: 'forwarding_refused' } })
      expect(once.members[1]!.down!.reason).toContain('AllowStreamLocalForwarding')
      expect(once.members[0]!.state).toBe('up')
    } finally {
      await labExec(h, ['sh', '-c', 'kill "$(cat "$1")"; rm -f "$1"', 'sh', pidFile], { lab })
    }
  })

  it('keeps the last primary position in the data dir', async () => {
    await c.psql('db1', 'CREATE TABLE IF NOT EXISTS rd_probe (x int); INSERT INTO rd_probe VALUES (1)')
    const current = await c.psql('db1', 'SELECT pg_current_wal_lsn()')
    await w.until((s) => s.lastPrimary?.lsn === current, 5000, 'the new position')
    const store = new PositionStore(ctx.dir)
    const deadline = Date.now() + 5000
    while ((await store.get('lab-status'))?.lsn !== current && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    const stored = await store.get('lab-status')
    expect(stored).toMatchObject({ member: 'db1', lsn: current, timeline: 1 })
    expect(Date.parse(stored!.seenAt)).toBeGreaterThanOrEqual(Date.parse(stored!.at))
  })

  it('reads the status once, cold, in one go', async () => {
    const svc = ctx.service()
    const marks: Record<string, number> = {}
    const t0 = performance.now()
    const once = await readStatusOnce(svc, c.input(), { source: postgresStatus, timings: marks })
    timings.oneShot = performance.now() - t0
    await svc.close()
    expect(clusterStatus.safeParse(once).success).toBe(true)
    expect(allUp(once)).toBe(true)
    expect(once.primary).toBe('db1')
    expect(once.members.map((m) => m.role)).toEqual(['primary', 'standby', 'standby'])
    expect(once.members.every((m) => m.disk)).toBe(true)
    console.log(`one-shot in-process: ${Math.round(timings.oneShot)} ms`, marks)
  })

  it('raises the split-brain alarm naming both when a standby is promoted behind its back', async () => {
    const t0 = performance.now()
    const alarmed = w.until((s) => s.splitBrain !== null, 10_000, 'split brain')
    await c.run('db3', [`${lab.pgBin}/pg_ctl`, '-D', c.dataDir, '-w', 'promote'])
    timings.splitBrain = (await alarmed) - t0
    const s = status.get('lab-status')
    expect(s.splitBrain!.members).toEqual(['db1', 'db3'])
    expect(s.splitBrain!.message).toMatch(/db1 and db3 both accept writes/)
    expect(s.primary).toBeNull()
    expect(s.members[2]).toMatchObject({ role: 'primary', writable: true, timeline: 2 })
    const alarm = w.alarms.find((a) => a.e.active)
    expect(alarm?.e.members).toEqual(['db1', 'db3'])
    // the position is not recorded while two primaries write
    const stored = await new PositionStore(ctx.dir).get('lab-status')
    expect(stored!.member).toBe('db1')
  })

  it('the client copy built from events matches status.get', async () => {
    await new Promise((r) => setTimeout(r, 1200))
    expect(w.problems).toEqual([])
    const s = status.get('lab-status')
    expect(w.copy!.seq).toBe(s.seq)
    expect({ ...w.copy!, at: null }).toEqual({ ...s, at: null })
    expect(w.events.some((e) => e.e.kind === 'heartbeat')).toBe(true)
  })
})

// Only where there are no network namespaces: says NOT RUN (and fails in CI) instead of passing.
if (!netns) {
  describe('live status', () => {
    it('needs network namespaces', () => {
      requireNetns('three hosts with their own PostgreSQL need network namespaces')
    })
  })
}
