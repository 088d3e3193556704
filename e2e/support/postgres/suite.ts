// The engine's lab suite, run once per way a real box holds PostgreSQL: plain data dirs
// reached as postgres, and Debian-style clusters on a non-default port and data dir reached as
// an admin through `sudo -n`. Tests in a suite run in order and build on each other: create a
// primary, refuse bad replicas (leaving nothing behind), add two replicas, abandon a failed
// add, remove a replica, detect.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { AppError } from '../../../shared/errors'
import type { OperationEvent, OperationProgress } from '../../../shared/operations'
import { block, createDebianCluster, resetHost, unblock } from '../../lab'
import { claimKey } from '../../../electron/core/engines/postgres/claims'
import { reasonOf } from '../../../electron/core/engines/postgres/errors'
import { HBA_BEGIN, trustLines } from '../../../electron/core/engines/postgres/hba'
import type { PgClusterInput, PgMemberInput } from '../../../electron/core/engines/postgres/model'
import { parseCluster, slotName } from '../../../electron/core/engines/postgres/model'
import { cleanupMembers, makeWorld, type Login, type World } from './lab-world'

export interface SuiteConfig {
  title: string
  clusterId: string
  login: Login
  layout: 'plain' | 'debian'
  mode: 'init' | 'adopt'
  port: number
  dataDir: (member: string) => string
  /** pgbench scale of the primary's database (15 ≈ 230 MB). */
  scale: number
  leaseSudo?: string
}

const HOSTS = ['host1', 'host2', 'host3'] as const

export function engineSuite(cfg: SuiteConfig): void {
  describe(cfg.title, () => {
    let w: World
    const access = cfg.login === 'admin' ? ('sudo' as const) : ('postgres' as const)
    const timings: Record<string, number> = {}
    const member = (name: string, host: string, extra: Partial<PgMemberInput> = {}): PgMemberInput => ({
      name,
      host,
      address: w.host(host).address,
      port: cfg.port,
      dataDir: cfg.dataDir(name),
      layout: cfg.layout,
      debianName: 'rdmain',
      access,
      ...extra,
    })
    const cluster = (members: PgMemberInput[]): PgClusterInput => ({ id: cfg.clusterId, major: w.lab.pgVersion, members })
    let db1: PgMemberInput
    const extraCleanup: PgMemberInput[] = []

    beforeAll(async () => {
      w = await makeWorld(Object.fromEntries([...HOSTS, 'sudopw'].map((h) => [h, cfg.login])), { leaseSudo: cfg.leaseSudo })
      db1 = member('db1', 'host1')
      await cleanupMembers(w, parseCluster(cluster([db1, member('db2', 'host2'), member('db3', 'host3')])).members)
    })

    afterEach(async () => {
      await Promise.all(HOSTS.map((h) => resetHost(h)))
    })

    afterAll(async () => {
      if (!w) return
      const all = [db1, member('db2', 'host2'), member('db3', 'host3'), ...extraCleanup]
      const seen = new Set<string>()
      const unique = all.filter((m) => !seen.has(`${m.host}:${m.dataDir}`) && seen.add(`${m.host}:${m.dataDir}`))
      for (const m of unique) await cleanupMembers(w, parseCluster(cluster([m])).members)
      await w.close()
      console.log(`[${cfg.title}] timings (s): ${Object.entries(timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`).join(', ')}`)
    })

    async function failure(p: Promise<unknown>): Promise<AppError> {
      const e = await p.then(
        () => undefined,
        (err: unknown) => err,
      )
      expect(e).toBeInstanceOf(AppError)
      return e as AppError
    }

    /** What a refused add must leave exactly as it was. */
    async function snapshot(m: PgMemberInput) {
      const hba = await w.psql('host1', cfg.port, 'SHOW hba_file').then((f) => w.asRoot('host1', ['cat', f]))
      const slots = await w.psql('host1', cfg.port, 'SELECT string_agg(slot_name, \',\' ORDER BY slot_name) FROM pg_replication_slots')
      const onHost = await w.asRoot(m.host, ['sh', '-c', 'ls -A "$1" 2>&1; cat /var/lib/postgresql/.pgpass 2>&1; ls /var/lib/postgresql/.replicadesk/claims 2>&1; ls /etc/postgresql/15 2>&1; exit 0', 'sh', m.dataDir])
      return { hba, slots, onHost }
    }

    async function refusedAdd(m: PgMemberInput, reason: string, fragments: string[]) {
      const c = cluster([db1, m])
      const before = await snapshot(m)
      const def = w.engine.addReplica({ cluster: w.engine.parseCluster(c), member: m.name })
      const { summary } = await w.run(def)
      expect(summary.status).toBe('failed')
      expect(summary.steps[0]).toMatchObject({ id: 'preflight', status: 'failed' })
      expect(summary.steps.slice(1).every((s) => s.status === 'pending')).toBe(true)
      const err = AppError.fromData(summary.error!)
      expect(reasonOf(err)).toBe(reason)
      for (const f of fragments) expect(err.message).toContain(f)
      expect(await snapshot(m)).toEqual(before)
      const abandoned = await (await w.ops.abandon(summary.id)).finished
      expect(abandoned.status).toBe('abandoned')
      expect(await snapshot(m)).toEqual(before)
      return err
    }

    it(`${cfg.mode === 'init' ? 'initialises' : 'adopts'} the primary on host1, with replication access and no secret outside the passfile`, async () => {
      if (cfg.mode === 'adopt') {
        await w.asRoot('host1', ['install', '-d', '-o', 'postgres', '-g', 'postgres', '-m', '755', '/srv/pg'])
        await createDebianCluster('host1', { name: 'rdmain', port: cfg.port, dataDir: cfg.dataDir('db1'), start: true })
      }
      const c = w.engine.parseCluster(cluster([db1]))
      const plan = await w.ops.plan(w.engine.createCluster({ cluster: c, primary: 'db1', mode: cfg.mode }))
      expect(plan.steps.map((s) => s.id)).toEqual(cfg.mode === 'init' ? ['preflight', 'init', 'start', 'access'] : ['preflight', 'settings', 'restart', 'access'])
      const { summary, ms } = await w.run(w.engine.createCluster({ cluster: c, primary: 'db1', mode: cfg.mode }))
      timings.create = ms
      expect(summary.error).toBeUndefined()
      expect(summary.status).toBe('succeeded')

      const settings = await w.psql('host1', cfg.port, "SELECT string_agg(name || '=' || setting, ' ' ORDER BY name) FROM pg_settings WHERE name IN ('wal_level', 'wal_log_hints', 'data_checksums', 'listen_addresses', 'hot_standby')")
      expect(settings).toContain('wal_level=replica')
      expect(settings).toMatch(/data_checksums=on|wal_log_hints=on/)
      if (cfg.mode === 'init') expect(settings).toContain('data_checksums=on')
      expect(settings).toContain(w.host('host1').address)
      expect(await w.psql('host1', cfg.port, "SELECT rolreplication AND rolcanlogin FROM pg_roles WHERE rolname = 'replicadesk'")).toBe('t')

      const pgpass = await w.asRoot('host1', ['stat', '-c', '%a %U', '/var/lib/postgresql/.pgpass'])
      expect(pgpass.trim()).toBe('600 postgres')
      const password = (await w.asRoot('host1', ['cat', '/var/lib/postgresql/.pgpass'])).trim().split(':').at(-1)!
      expect(password).toMatch(/^[A-Za-z0-9]{32}$/)
      // Never in an argv, the journal, the activity log or any ReplicaDesk file.
      expect(w.calls.some((c) => c.argv.some((a) => a.includes(password)))).toBe(false)
      const grep = await w.tryRoot('host1', ['grep', '-rl', password, w.ctx.dir])
      expect(grep.stdout).toBe('')
      const hba = await w.asRoot('host1', ['cat', await w.psql('host1', cfg.port, 'SHOW hba_file')])
      expect(hba).toContain(HBA_BEGIN)
      expect(hba).toMatch(new RegExp(`host\\s+replication\\s+replicadesk\\s+${w.host('host1').address.replace(/\./g, '\\.')}/32\\s+scram-sha-256`))
      expect(trustLines(hba)).toEqual([])
      if (access === 'sudo') {
        // The admin login monitors through the Unix socket by peer authentication, with pg_monitor.
        const r = await w.ssh.exec(w.ctx.target('host1', w.lab.users.admin), ['/usr/lib/postgresql/15/bin/psql', '-X', '-At', '-h', '/var/run/postgresql', '-p', String(cfg.port), '-d', 'postgres', '-c', "SELECT pg_has_role('pg_monitor', 'MEMBER')"])
        expect(r.stdout.trim()).toBe('t')
      }
      const t0 = performance.now()
      await w.asRoot('host1', ['/usr/lib/postgresql/15/bin/pgbench', '-i', '-q', '-s', String(cfg.scale), '-h', '/var/run/postgresql', '-p', String(cfg.port), 'postgres'], 'postgres')
      timings.pgbench = performance.now() - t0
    }, 240_000)

    it('refuses a replica whose host has another PostgreSQL major version', async () => {
      // host3 shows only a "PostgreSQL 16" (a wrapper) where Debian keeps the server binaries.
      const fake = String.raw`set -e
mount -t tmpfs -o size=1m rdfake /usr/lib/postgresql
mkdir -p /usr/lib/postgresql/16/bin
printf '#!/bin/sh\necho "postgres (PostgreSQL) 16.4 (Debian 16.4-1)"\n' > /usr/lib/postgresql/16/bin/postgres
chmod 755 /usr/lib/postgresql/16/bin/postgres`
      await w.asRoot('host3', ['sh', '-c', fake])
      try {
        await refusedAdd(member('db3', 'host3'), 'version_mismatch', ['host3', 'PostgreSQL 15', '16.4', 'apt-get install postgresql-15'])
      } finally {
        await w.asRoot('host3', ['umount', '/usr/lib/postgresql'])
      }
    }, 60_000)

    it('refuses a data dir on a disk with too little free space', async () => {
      await w.asRoot('host2', ['sh', '-c', 'mkdir -p /srv/small && mount -t tmpfs -o size=48m,uid=$(id -u postgres),gid=$(id -g postgres),mode=0755 rdsmall /srv/small'])
      try {
        const m = member('db2', 'host2', { dataDir: '/srv/small/db2' })
        const e = await refusedAdd(m, 'preflight_failed', ['host2', 'Not enough disk space', '/srv/small'])
        expect(e.detail).toMatchObject({ check: 'disk' })
      } finally {
        await w.asRoot('host2', ['sh', '-c', 'umount /srv/small && rmdir /srv/small'])
      }
    }, 60_000)

    it('refuses a data dir that is not empty, and keeps what is in it', async () => {
      const dir = cfg.dataDir('db2')
      // Made as postgres where postgres may (so the parents stay postgres'), else as root.
      if (cfg.layout === 'plain') await w.asRoot('host2', ['sh', '-c', 'mkdir -p "$1" && echo keep > "$1/precious.txt"', 'sh', dir], 'postgres')
      else await w.asRoot('host2', ['sh', '-c', 'install -d -o postgres -g postgres -m 700 "$1" && echo keep > "$1/precious.txt"', 'sh', dir])
      try {
        const e = await refusedAdd(member('db2', 'host2'), 'preflight_failed', ['host2', `${dir} on host2 is not empty`])
        expect(e.detail).toMatchObject({ check: 'data_dir' })
        expect((await w.asRoot('host2', ['cat', `${dir}/precious.txt`])).trim()).toBe('keep')
      } finally {
        await w.asRoot('host2', ['rm', '-rf', dir])
      }
    }, 60_000)

    it("refuses a replica that cannot reach the primary's port", async () => {
      await block('host1', cfg.port)
      try {
        const e = await refusedAdd(member('db2', 'host2'), 'preflight_failed', ['host2', 'cannot reach', `${w.host('host1').address}:${cfg.port}`])
        expect(e.detail).toMatchObject({ check: 'reach' })
      } finally {
        await unblock('host1', cfg.port)
      }
    }, 60_000)

    it('shows the exact plan of an add without running anything or showing a secret', async () => {
      const c = w.engine.parseCluster(cluster([db1, member('db2', 'host2', { sync: true })]))
      const plan = await w.ops.plan(w.engine.addReplica({ cluster: c, member: 'db2' }))
      expect(plan.steps.map((s) => s.id)).toEqual(['preflight', 'prepare', 'base-backup', 'start', 'streaming', 'sync'])
      const backup = plan.steps.find((s) => s.id === 'base-backup')!.commands.map((x) => x.argv.join(' ')).join('\n')
      expect(backup).toMatch(/pg_basebackup -d .*-D \S+ -X stream -C -S rd_db2 --checkpoint=fast --progress/)
      if (access === 'sudo') expect(plan.steps.find((s) => s.id === 'base-backup')!.commands.at(-1)!.runAs).toBe('postgres')
      const password = (await w.asRoot('host1', ['cat', '/var/lib/postgresql/.pgpass'])).trim().split(':').at(-1)!
      expect(JSON.stringify(plan)).not.toContain(password)
      const slots = await w.psql('host1', cfg.port, 'SELECT count(*) FROM pg_replication_slots')
      expect(slots).toBe('0')
    })

    it('adds replicas on host2 and host3: progress to 100 %, both stream, synchronous_standby_names as asked', async () => {
      const members = [db1, member('db2', 'host2', { sync: true }), member('db3', 'host3', { sync: true, priority: 50 })]
      for (const name of ['db2', 'db3']) {
        const c = w.engine.parseCluster(cluster(members.filter((m) => m.name === 'db1' || m.name <= name)))
        const { summary, events, ms } = await w.run(w.engine.addReplica({ cluster: c, member: name }))
        timings[`add ${name}`] = ms
        expect(summary.error).toBeUndefined()
        expect(summary.status).toBe('succeeded')
        checkProgress(events)
        expect(await w.psql('host1', cfg.port, `SELECT state FROM pg_stat_replication WHERE application_name = '${name}'`)).toBe('streaming')
      }
      // Synchronous: ANY 1 of both, by priority; on the standbys the others, so a promotion is already right.
      expect(await w.psql('host1', cfg.port, 'SHOW synchronous_standby_names')).toBe('ANY 1 ("db3", "db2")')
      expect(await w.psql('host2', cfg.port, 'SHOW synchronous_standby_names')).toBe('ANY 1 ("db3")')
      expect(await w.psql('host3', cfg.port, 'SHOW synchronous_standby_names')).toBe('ANY 1 ("db2")')
      expect(await w.psql('host1', cfg.port, "SELECT string_agg(application_name || ':' || sync_state, ',' ORDER BY application_name) FROM pg_stat_replication")).toBe('db2:quorum,db3:quorum')
      // A write is acknowledged (it would hang for ever without a streaming synchronous standby).
      await w.psql('host1', cfg.port, "SET statement_timeout = '20s'; CREATE TABLE rd_probe AS SELECT 1 AS x")
      // Every member holds the slots the others need after a role change.
      expect(await w.psql('host1', cfg.port, "SELECT string_agg(slot_name, ',' ORDER BY slot_name) FROM pg_replication_slots")).toBe(`${slotName('db2')},${slotName('db3')}`)
      expect(await w.psql('host2', cfg.port, "SELECT string_agg(slot_name, ',' ORDER BY slot_name) FROM pg_replication_slots")).toBe(`${slotName('db1')},${slotName('db3')}`)
      expect(await w.psql('host3', cfg.port, "SELECT string_agg(slot_name, ',' ORDER BY slot_name) FROM pg_replication_slots")).toBe(`${slotName('db1')},${slotName('db2')}`)
      // Replicated data arrived; Debian's cluster_name is the same everywhere, application_name tells them apart.
      expect(Number(await w.psql('host3', cfg.port, 'SELECT count(*) FROM pgbench_accounts'))).toBe(cfg.scale * 100_000)
      for (const h of HOSTS) expect(trustLines(await w.asRoot(h, ['cat', await w.psql(h, cfg.port, 'SHOW hba_file')]))).toEqual([])
      if (cfg.layout === 'debian') {
        expect(await w.psql('host2', cfg.port, 'SHOW cluster_name')).toBe('15/rdmain')
        expect(await w.asRoot('host2', ['pg_lsclusters', '-h'])).toMatch(new RegExp(`15 rdmain ${cfg.port} online,recovery postgres ${cfg.dataDir('db2')}`))
      }
    }, 240_000)

    function checkProgress(events: OperationEvent[]) {
      const progress = events.flatMap((e) => (e.type === 'progress' ? [e.progress] : []))
      const percents = progress.map((p) => p.percent)
      expect(percents).toEqual([...percents].sort((a, b) => a - b))
      expect(percents.at(-1)).toBe(100)
      const copy = progress.filter((p): p is OperationProgress & { bytesDone: number; bytesTotal: number } => p.stepId === 'base-backup' && p.bytesDone !== undefined && p.bytesTotal !== undefined)
      expect(copy.length).toBeGreaterThan(0)
      const done = copy.map((p) => p.bytesDone)
      expect(done).toEqual([...done].sort((a, b) => a - b))
      expect(copy.at(-1)!.bytesDone).toBe(copy.at(-1)!.bytesTotal)
      // At least once a second while the copy runs.
      const during = progress.filter((p) => p.stepId === 'base-backup').map((p) => Date.parse(p.at))
      for (let i = 1; i < during.length; i++) expect(during[i]! - during[i - 1]!).toBeLessThanOrEqual(1500)
    }

    // db4 shares host2 with db2 (another port and data dir): what belongs to the host stays.
    const db4 = () => member('db4', 'host2', { port: cfg.port + 1, dataDir: cfg.dataDir('db4'), debianName: 'rd4', sync: true })
    const withDb4 = () => [db1, member('db2', 'host2', { sync: true }), member('db3', 'host3', { sync: true, priority: 50 }), db4()]
    const failingAt = (stepId: string) => {
      const def = w.engine.addReplica({ cluster: w.engine.parseCluster(cluster(withDb4())), member: 'db4' })
      return { ...def, steps: def.steps.map((s) => (s.id === stepId ? { ...s, run: async () => Promise.reject(new AppError('command_failed', `injected: ${stepId} failed`)) } : s)) }
    }

    it('abandoning an add that failed half-way removes everything it made', async () => {
      extraCleanup.push(db4())
      const hbaBefore = await w.asRoot('host1', ['cat', await w.psql('host1', cfg.port, 'SHOW hba_file')])
      const { summary } = await w.run(failingAt('start'))
      expect(summary.status).toBe('failed')
      expect(summary.steps.map((s) => s.status)).toEqual(['done', 'done', 'done', 'failed', 'pending', 'pending'])
      expect(await w.psql('host1', cfg.port, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'rd_db4'")).toBe('1')
      expect(await w.asRoot('host2', ['ls', '-A', cfg.dataDir('db4')])).toContain('PG_VERSION')

      const abandoned = await (await w.ops.abandon(summary.id)).finished
      expect(abandoned.error).toBeUndefined()
      expect(abandoned.status).toBe('abandoned')
      expect(await w.psql('host1', cfg.port, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'rd_db4'")).toBe('0')
      expect(await w.psql('host3', cfg.port, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'rd_db4'")).toBe('0')
      expect((await w.tryRoot('host2', ['test', '-e', cfg.dataDir('db4')])).code).toBe(1)
      expect((await w.tryRoot('host2', ['test', '-e', `/var/lib/postgresql/.replicadesk/claims/${claimKey(cfg.dataDir('db4'))}`])).code).toBe(1)
      if (cfg.layout === 'debian') {
        expect((await w.tryRoot('host2', ['test', '-e', '/etc/postgresql/15/rd4'])).code).toBe(1)
        expect((await w.tryRoot('host2', ['test', '-e', '/etc/postgresql/15/rdmain'])).code).toBe(0) // db2's own stays
      }
      expect(await w.asRoot('host1', ['cat', await w.psql('host1', cfg.port, 'SHOW hba_file')])).toBe(hbaBefore)
      for (const h of HOSTS) expect(await w.asRoot(h, ['cat', '/var/lib/postgresql/.pgpass'])).not.toContain(`:${cfg.port + 1}:`)
      expect(await w.psql('host1', cfg.port, 'SHOW synchronous_standby_names')).toBe('ANY 1 ("db3", "db2")')
      expect(await w.psql('host1', cfg.port, 'SELECT count(*) FROM pg_stat_replication')).toBe('2')
      // db2 still reaches db1 with the password in host2's passfile.
      expect(await w.asRoot('host2', ['cat', '/var/lib/postgresql/.pgpass'])).toContain(`${w.host('host1').address}:${cfg.port}:*:replicadesk:`)
    }, 120_000)

    it('resuming an add that failed half-way re-checks every step and finishes it; removing it keeps the host\'s other member', async () => {
      const { summary } = await w.run(failingAt('streaming'))
      expect(summary.steps.map((s) => s.status)).toEqual(['done', 'done', 'done', 'done', 'failed', 'pending'])
      const resumed = await (await w.ops.resume(summary.id)).finished
      expect(resumed.error).toBeUndefined()
      expect(resumed.steps.map((s) => `${s.id}:${s.status}`)).toEqual(['preflight:done', 'prepare:skipped', 'base-backup:skipped', 'start:skipped', 'streaming:done', 'sync:done'])
      expect(await w.psql('host1', cfg.port, 'SHOW synchronous_standby_names')).toBe('ANY 1 ("db3", "db2", "db4")')
      expect(await w.psql('host1', cfg.port, "SELECT state FROM pg_stat_replication WHERE application_name = 'db4'")).toBe('streaming')

      const removed = await w.run(w.engine.removeReplica({ cluster: w.engine.parseCluster(cluster(withDb4())), member: 'db4', deleteData: true }))
      expect(removed.summary.error).toBeUndefined()
      expect(removed.summary.status).toBe('succeeded')
      expect(await w.psql('host1', cfg.port, 'SHOW synchronous_standby_names')).toBe('ANY 1 ("db3", "db2")')
      expect(await w.psql('host1', cfg.port, "SELECT string_agg(application_name || ':' || state, ',' ORDER BY application_name) FROM pg_stat_replication")).toBe('db2:streaming,db3:streaming')
      expect(await w.asRoot('host2', ['cat', '/var/lib/postgresql/.pgpass'])).toContain(`${w.host('host1').address}:${cfg.port}:*:replicadesk:`)
      expect((await w.tryRoot('host2', ['test', '-e', cfg.dataDir('db4')])).code).toBe(1)
    }, 120_000)

    it('removes a replica: synchronous names first, then stop, slots, access and (confirmed) its data', async () => {
      const members = [db1, member('db2', 'host2', { sync: true }), member('db3', 'host3', { sync: true, priority: 50 })]
      const { summary, ms } = await w.run(w.engine.removeReplica({ cluster: w.engine.parseCluster(cluster(members)), member: 'db3', deleteData: true }))
      timings['remove db3'] = ms
      expect(summary.error).toBeUndefined()
      expect(summary.status).toBe('succeeded')
      expect(await w.psql('host1', cfg.port, 'SHOW synchronous_standby_names')).toBe('ANY 1 ("db2")')
      expect(await w.psql('host2', cfg.port, 'SHOW synchronous_standby_names')).toBe('')
      expect(await w.psql('host1', cfg.port, "SELECT string_agg(slot_name, ',') FROM pg_replication_slots")).toBe(slotName('db2'))
      expect(await w.psql('host2', cfg.port, "SELECT string_agg(slot_name, ',') FROM pg_replication_slots")).toBe(slotName('db1'))
      expect((await w.tryRoot('host3', ['test', '-e', cfg.dataDir('db3')])).code).toBe(1)
      const hba = await w.asRoot('host1', ['cat', await w.psql('host1', cfg.port, 'SHOW hba_file')])
      expect(hba).not.toContain(`${w.host('host3').address}/32`)
      expect(await w.asRoot('host1', ['cat', '/var/lib/postgresql/.pgpass'])).not.toContain(w.host('host3').address)
      await w.psql('host1', cfg.port, "SET statement_timeout = '20s'; INSERT INTO rd_probe VALUES (2)")
    }, 120_000)

    it('detects versions and instances: a primary on host1, a standby on host2', async () => {
      const [d1, d2] = await Promise.all([w.engine.detect('host1', access), w.engine.detect('host2', access)])
      expect(d1.versions.map((v) => v.major)).toContain('15')
      expect(d1.loginUser).toBe(cfg.login === 'admin' ? w.lab.users.admin : 'postgres')
      expect(d1.addresses).toContain(w.host('host1').address)
      expect(d1.instances.find((i) => i.port === cfg.port)).toMatchObject({ role: 'primary', dataDir: cfg.dataDir('db1'), layout: cfg.layout })
      expect(d2.instances.find((i) => i.port === cfg.port)).toMatchObject({ role: 'replica', dataDir: cfg.dataDir('db2'), layout: cfg.layout })
    })

    if (cfg.login === 'admin') {
      it('gives the clear ssh_sudo_password error on a host whose sudo asks for a password', async () => {
        const e = await failure(w.engine.detect('sudopw', 'sudo'))
        expect(e.code).toBe('ssh_sudo_password')
        const m = member('dbx', 'sudopw')
        // host1 and host2 grant the lease (a majority); sudopw's own commands then meet its sudo.
        const { summary } = await w.run(w.engine.addReplica({ cluster: w.engine.parseCluster(cluster([db1, member('db2', 'host2', { sync: true }), m])), member: 'dbx' }))
        expect(summary.status).toBe('failed')
        expect(summary.error?.code).toBe('ssh_sudo_password')
        expect(summary.error?.message).toContain('NOPASSWD')
      })
    }
  })
}
