// Rejoin against the lab: a two-member cluster made with the engine's own operations, then
// (a) the primary killed -9, the standby promoted by hand, writes on it, and the old primary
//     rejoined through pg_rewind;
// (b) a split brain whose WAL history is gone on the member: rejoin fails with the --rebuild
//     advice, and rejoin with rebuild copies it afresh;
// (c) a member fenced by roles.ts fence(): rejoin lifts the fence (and Debian's start.conf);
// (d) a rebuild that failed at its start step, resumed.
// Once with plain data dirs reached as postgres, once with Debian clusters through sudo.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppError } from '../../../../shared/errors'
import { operationEvent, type OperationEvent, type OperationSummary } from '../../../../shared/operations'
import { createOperations, defineOperationKind, loadInstanceId } from '../../operations'
import { remoteRunnerOf } from '../host-exec'
import type { PgCluster, PgClusterInput, PgMemberInput } from './model'
import { PgNode } from './node'
import { buildRejoin, rejoinParams } from './rejoin'
import { fence, isFenced } from './roles'
import { cleanupMembers, makeWorld, memberNamed, type Login, type World } from '../../../../e2e/support/postgres/lab-world'

interface Variant {
  title: string
  clusterId: string
  login: Login
  layout: 'plain' | 'debian'
  port: number
  dataDir: (m: string) => string
  leaseSudo?: string
}

/** kill -9 of a postmaster and its children (a crashed box), then wait until all are reaped. */
const CRASH = String.raw`d=$1
pid=$(head -n 1 "$d/postmaster.pid")
kids=$(pgrep -P "$pid" | tr '\n' ' ')
kill -9 "$pid" $kids
i=0
while [ $i -lt 400 ]; do
  alive=
  for p in $pid $kids; do kill -0 "$p" 2>/dev/null && alive=1; done
  [ -z "$alive" ] && exit 0
  i=$((i + 1)); sleep 0.05
done
echo "still alive after 20 s" >&2; exit 1`

function rejoinSuite(v: Variant): void {
  describe(v.title, () => {
    let w: World
    let ops: ReturnType<typeof createOperations>
    let opsDir: string
    const kind = defineOperationKind({ kind: 'pg-rejoin', params: rejoinParams, build: ({ params }) => ({ title: `Rejoin ${params.member} to cluster ${params.cluster.id}`, steps: buildRejoin(w.hosts, params), summary: () => [`Rejoin ${params.member}.`] }) })
    const rejoinDef = (name: string, rebuild = false) => kind.create({ clusterId: c.id, params: { cluster: c, member: name, rebuild }, members: ['host1', 'host2'] })
    const events: OperationEvent[] = []
    const timings: Record<string, number> = {}
    const access = v.login === 'admin' ? ('sudo' as const) : ('postgres' as const)
    const member = (name: string, host: string): PgMemberInput => ({ name, host, address: w.host(host).address, port: v.port, dataDir: v.dataDir(name), layout: v.layout, debianName: 'rdmain', access })
    const input = (): PgClusterInput => ({ id: v.clusterId, major: '15', members: [member('db1', 'host1'), member('db2', 'host2')] })
    let c: PgCluster
    const hostOf = (m: string) => (m === 'db1' ? 'host1' : 'host2')
    const sql = (m: string, q: string) => w.psql(hostOf(m), v.port, q)

    beforeAll(async () => {
      w = await makeWorld({ host1: v.login, host2: v.login }, { leaseSudo: v.leaseSudo })
      c = w.engine.parseCluster(input())
      await cleanupMembers(w, c.members)
      // The lead registers pg-rejoin in engine.ts; this service has it either way.
      opsDir = await mkdtemp(join(tmpdir(), 'rd-rejoin-lab-'))
      ops = createOperations({
        dataDir: opsDir,
        instanceId: await loadInstanceId(opsDir),
        remote: remoteRunnerOf(w.hosts),
        emit: (e) => events.push(operationEvent.parse(e)),
        kinds: { ...w.engine.kinds, [kind.kind]: kind.factory },
        lease: { ttlSeconds: 60, ...(v.leaseSudo && { sudo: v.leaseSudo }) },
        fault: null,
      })
      const t0 = performance.now()
      const created = await w.run(w.engine.createCluster({ cluster: w.engine.parseCluster({ ...input(), members: [member('db1', 'host1')] }), primary: 'db1', mode: 'init' }))
      expect(created.summary.error?.message).toBeUndefined()
      await w.asRoot('host1', ['/usr/lib/postgresql/15/bin/pgbench', '-i', '-q', '-s', '1', '-h', '/var/run/postgresql', '-p', String(v.port), 'postgres'], 'postgres')
      await sql('db1', 'CREATE TABLE rj (id int PRIMARY KEY, era text)')
      await sql('db1', "INSERT INTO rj SELECT g, 'first' FROM generate_series(1, 100) g")
      const added = await w.run(w.engine.addReplica({ cluster: c, member: 'db2' }))
      expect(added.summary.error?.message).toBeUndefined()
      timings.setup = performance.now() - t0
    }, 180_000)

    afterAll(async () => {
      if (!w) return
      await cleanupMembers(w, c.members)
      await w.close()
      if (opsDir) await rm(opsDir, { recursive: true, force: true })
      console.log(`[${v.title}] timings (s): ${Object.entries(timings).map(([k, t]) => `${k} ${(t / 1000).toFixed(2)}`).join(', ')}`)
    })

    async function rejoin(name: string, rebuild = false): Promise<{ summary: OperationSummary; events: OperationEvent[]; ms: number }> {
      const from = events.length
      const t0 = performance.now()
      const summary = await ops.runOperation(rejoinDef(name, rebuild))
      if (process.env.REJOIN_STEP_TIMES) console.log(`[${v.title}] rejoin ${name}${rebuild ? ' --rebuild' : ''}: ${summary.steps.map((x) => `${x.id} ${x.status} ${x.startedAt && x.endedAt ? Date.parse(x.endedAt) - Date.parse(x.startedAt) : '-'} ms`).join(', ')}`)
      return { summary, events: events.slice(from), ms: performance.now() - t0 }
    }
    const messages = (evs: OperationEvent[], stepId: string) => evs.flatMap((e) => (e.type === 'progress' && e.progress.stepId === stepId && e.progress.message ? [e.progress.message] : []))
    const statuses = (s: OperationSummary) => s.steps.map((x) => `${x.id}:${x.status}`)
    /** `id:a|b` accepts either status (a standby may stream before the streaming step looks). */
    const expectSteps = (s: OperationSummary, want: string[]) => {
      const got = statuses(s)
      expect(got.length, got.join(' ')).toBe(want.length)
      want.forEach((x, i) => {
        const [id, alts] = x.split(':')
        expect(alts!.split('|').map((a) => `${id}:${a}`), got.join(' ')).toContain(got[i])
      })
    }

    async function crash(m: string) {
      await w.asRoot(hostOf(m), ['sh', '-c', CRASH, 'sh', v.dataDir(m)])
    }
    async function waitUntil(what: string, f: () => Promise<boolean>, ms = 20_000) {
      const end = Date.now() + ms
      while (!(await f())) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
        await new Promise((r) => setTimeout(r, 50))
      }
    }
    /** The member follows `upstream`, streams, and has replayed what `upstream` wrote. */
    async function follows(m: string, upstream: string) {
      expect(await sql(m, 'SELECT pg_is_in_recovery()')).toBe('t')
      expect(await sql(upstream, `SELECT state FROM pg_stat_replication WHERE application_name = '${m}'`)).toBe('streaming')
      const lsn = await sql(upstream, 'SELECT pg_current_wal_lsn()')
      await waitUntil(`${m} to replay ${lsn}`, async () => (await sql(m, `SELECT pg_last_wal_replay_lsn() >= '${lsn}'`)) === 't')
    }
    const fenceDirs = async (host: string) => (await w.tryRoot(host, ['sh', '-c', 'find /var/lib/postgresql/.replicadesk/fences /var/lib/postgresql/.replicadesk/rejoin -mindepth 1 2>/dev/null; exit 0'])).stdout.trim()
    const startConf = (host: string) => w.asRoot(host, ['cat', '/etc/postgresql/15/rdmain/start.conf'])

    it('(a) brings a crashed old primary back through pg_rewind after a standby was promoted by hand', async () => {
      await waitUntil('db2 to have the first rows', async () => (await sql('db2', 'SELECT count(*) FROM rj')) === '100')
      await crash('db1')
      await sql('db2', 'SELECT pg_promote()')
      await sql('db2', "INSERT INTO rj SELECT g, 'second' FROM generate_series(101, 150) g")

      // The dry run shows the exact commands, pg_rewind from db2 among them.
      const planned = await ops.plan(rejoinDef('db1'))
      expect(planned.steps.map((s) => s.id)).toEqual(['preflight', 'checkpoint', 'stop', 'rewind', 'start', 'streaming', 'unfence', 'sync'])
      expect(planned.steps.find((s) => s.id === 'rewind')!.commands[0]!.argv.join(' ')).toContain(`--source-server=host=${w.host('host2').address} port=${v.port} user=replicadesk dbname=postgres`)

      const callsFrom = w.calls.length
      const { summary, events: evs, ms } = await rejoin('db1')
      timings['rewind rejoin'] = ms
      expect(summary.error?.message).toBeUndefined()
      expectSteps(summary, ['preflight:done', 'checkpoint:done', 'stop:done', 'rewind:done', 'start:done', 'streaming:done|skipped', 'unfence:done', 'sync:skipped'])
      expect(messages(evs, 'rewind').join('\n')).toMatch(/pg_rewind rewound db1: it diverged from db2 at [0-9A-F]+\/[0-9A-F]+ on timeline 1/)
      expect(w.calls.slice(callsFrom).some((x) => x.host === 'host1' && x.argv.some((a) => a.endsWith('/pg_rewind')))).toBe(true)

      await follows('db1', 'db2')
      expect(await sql('db1', "SELECT count(*) FILTER (WHERE era = 'second') || '/' || count(*) FROM rj")).toBe('50/150')
      expect(await sql('db1', "SELECT current_setting('primary_conninfo')")).toBe(`host=${w.host('host2').address} port=${v.port} user=replicadesk application_name=db1`)
      expect(await sql('db1', "SELECT current_setting('primary_slot_name') || ' ' || current_setting('port') || ' ' || current_setting('listen_addresses')")).toBe(`rd_db1 ${v.port} localhost,${w.host('host1').address}`)
      // Its slot for db2 from its time as primary is made fresh: it pins no WAL.
      expect(await sql('db1', "SELECT string_agg(slot_name || ':' || coalesce(restart_lsn::text, 'none'), ',') FROM pg_replication_slots")).toBe('rd_db2:none')
      expect(await sql('db2', "SELECT has_function_privilege('replicadesk', 'pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean)', 'EXECUTE')")).toBe('t')
      const hba = await w.asRoot('host2', ['cat', await sql('db2', 'SHOW hba_file')])
      expect(hba).toMatch(new RegExp(`host\\s+postgres\\s+replicadesk\\s+${w.host('host1').address.replace(/\./g, '\\.')}/32\\s+scram-sha-256`))
      expect(await isFenced(new PgNode(w.hosts, memberNamed(c, 'db1'), '15'))).toBe(false)
      expect(await fenceDirs('host1')).toBe('')

      // Run again where it is done: every step but preflight finds its work there.
      const again = await rejoin('db1')
      expect(again.summary.error?.message).toBeUndefined()
      expectSteps(again.summary, ['preflight:done', 'checkpoint:skipped', 'stop:skipped', 'rewind:skipped', 'start:skipped', 'streaming:skipped', 'unfence:skipped', 'sync:skipped'])
      expect(messages(again.events, 'preflight').join('\n')).toContain('db1 is already a standby streaming from db2')
    }, 120_000)

    it('(b) a split brain whose WAL is gone: rewind fails with the --rebuild advice, and the rebuild works', async () => {
      // db1 is promoted while db2 still runs as primary; db2 then writes on and recycles the
      // WAL around the point where they parted, so pg_rewind cannot find their common checkpoint.
      await sql('db1', 'SELECT pg_promote()')
      await sql('db1', "INSERT INTO rj SELECT g, 'third' FROM generate_series(151, 170) g")
      const tli = parseInt((await sql('db1', 'SELECT pg_walfile_name(pg_current_wal_lsn())')).slice(0, 8), 16)
      const history = await sql('db1', `SELECT pg_read_file('pg_wal/${tli.toString(16).toUpperCase().padStart(8, '0')}.history')`)
      const forkLsn = history.trim().split('\n').at(-1)!.split('\t')[1]!
      await sql('db2', 'ALTER SYSTEM SET wal_keep_size = 0')
      await sql('db2', 'SELECT pg_reload_conf()')
      await sql('db2', 'CREATE TABLE junk (g int)')
      await sql('db2', "INSERT INTO rj VALUES (10000, 'lost')")
      await waitUntil('db2 slots to be free', async () => {
        await sql('db2', 'SELECT count(pg_drop_replication_slot(slot_name)) FROM pg_replication_slots WHERE NOT active')
        return (await sql('db2', 'SELECT count(*) FROM pg_replication_slots')) === '0'
      })
      for (let i = 0; i < 4; i++) {
        await sql('db2', 'INSERT INTO junk SELECT generate_series(1, 1000)')
        await sql('db2', 'SELECT pg_switch_wal()')
      }
      await sql('db2', 'CHECKPOINT')
      const forkSegment = await sql('db2', `SELECT pg_walfile_name('${forkLsn}')`)
      expect(await sql('db2', `SELECT count(*) FROM pg_ls_waldir() WHERE name = '${forkSegment}'`)).toBe('0')

      const failed = await rejoin('db2')
      expect(failed.summary.status).toBe('failed')
      expectSteps(failed.summary, ['preflight:done', 'checkpoint:done|skipped', 'stop:done', 'rewind:failed', 'start:pending', 'streaming:pending', 'unfence:pending', 'sync:pending'])
      const err = AppError.fromData(failed.summary.error!)
      expect(err.code).toBe('cluster_state')
      expect(err.detail).toMatchObject({ rebuild: true, host: 'host2' })
      expect(err.message).toContain(`replicadesk rejoin ${v.clusterId} db2 --rebuild`)
      expect(err.message).toMatch(/could not find previous WAL record|could not open file/)
      if (process.env.REJOIN_STEP_TIMES) console.log(err.message)
      // It stays stopped and fenced, with standby.signal back.
      const n2 = new PgNode(w.hosts, memberNamed(c, 'db2'), '15')
      expect(await isFenced(n2)).toBe(true)
      expect((await w.tryRoot('host2', ['test', '-e', `${v.dataDir('db2')}/standby.signal`])).code).toBe(0)
      expect((await w.tryRoot('host2', ['test', '-e', `${v.dataDir('db2')}/postmaster.pid`])).code).toBe(1)
      if (v.layout === 'debian') expect(await startConf('host2')).toContain('disabled')
      expect((await (await ops.abandon(failed.summary.id)).finished).status).toBe('abandoned')

      const { summary, events: evs, ms } = await rejoin('db2', true)
      timings['rebuild rejoin'] = ms
      expect(summary.error?.message).toBeUndefined()
      expectSteps(summary, ['preflight:done', 'checkpoint:skipped', 'stop:skipped', 'rebuild:done', 'start:done', 'streaming:done|skipped', 'unfence:done', 'sync:skipped'])
      const copy = evs.flatMap((e) => (e.type === 'progress' && e.progress.stepId === 'rebuild' && e.progress.bytesTotal ? [e.progress] : []))
      expect(copy.length).toBeGreaterThan(0)
      expect(copy.at(-1)!.bytesDone).toBe(copy.at(-1)!.bytesTotal)
      await follows('db2', 'db1')
      expect(await sql('db2', "SELECT count(*) FILTER (WHERE era = 'third') || '/' || count(*) || '/' || (to_regclass('junk') IS NULL) FROM rj")).toBe('20/170/true')
      expect(await sql('db2', "SELECT current_setting('wal_keep_size') || ' ' || current_setting('port') || ' ' || current_setting('primary_conninfo')")).toBe(`1GB ${v.port} host=${w.host('host1').address} port=${v.port} user=replicadesk application_name=db2`)
      expect(await isFenced(n2)).toBe(false)
      expect(await fenceDirs('host2')).toBe('')
      if (v.layout === 'debian') expect((await startConf('host2')).trim()).toBe('auto')
    }, 120_000)

    it('(c) lifts the fence of a member fenced for a failover', async () => {
      const n1 = new PgNode(w.hosts, memberNamed(c, 'db1'), '15')
      await fence(c, n1, memberNamed(c, 'db2'), 'failover to db2 (test)')
      expect(await isFenced(n1)).toBe(true)
      if (v.layout === 'debian') expect(await startConf('host1')).toContain('disabled')
      await sql('db2', 'SELECT pg_promote()')
      await sql('db2', "INSERT INTO rj SELECT g, 'fourth' FROM generate_series(171, 180) g")

      const { summary, events: evs, ms } = await rejoin('db1')
      timings['fenced rejoin'] = ms
      expect(summary.error?.message).toBeUndefined()
      expectSteps(summary, ['preflight:done', 'checkpoint:done|skipped', 'stop:done', 'rewind:done', 'start:done', 'streaming:done|skipped', 'unfence:done', 'sync:skipped'])
      expect(messages(evs, 'preflight').join('\n')).toContain('fenced')
      expect(messages(evs, 'rewind').join('\n')).toMatch(/pg_rewind(?: rewound|: no rewind required)/)
      await follows('db1', 'db2')
      expect(await sql('db1', "SELECT count(*) FILTER (WHERE era = 'fourth') || '/' || count(*) FROM rj")).toBe('10/180')
      expect(await isFenced(n1)).toBe(false)
      expect(await fenceDirs('host1')).toBe('')
      if (v.layout === 'debian') expect((await startConf('host1')).trim()).toBe('auto')
      // Rejoining the primary itself is refused before anything changes.
      const refused = await rejoin('db2')
      expect(statuses(refused.summary)[0]).toBe('preflight:failed')
      expect(refused.summary.error?.message).toContain('db2 on host2 is the primary')
    }, 120_000)

    it('(d) a rebuild that failed half-way leaves the member fenced; resume finishes it without copying again', async () => {
      const def = rejoinDef('db1', true)
      const broken = { ...def, steps: def.steps.map((s) => (s.id === 'start' ? { ...s, run: async () => Promise.reject(new AppError('command_failed', 'injected: start failed')) } : s)) }
      const failed = await ops.runOperation(broken)
      expectSteps(failed, ['preflight:done', 'checkpoint:done|skipped', 'stop:done', 'rebuild:done', 'start:failed', 'streaming:pending', 'unfence:pending', 'sync:pending'])
      const n1 = new PgNode(w.hosts, memberNamed(c, 'db1'), '15')
      expect(await isFenced(n1)).toBe(true)
      expect((await w.tryRoot('host1', ['test', '-e', `${v.dataDir('db1')}/postmaster.pid`])).code).toBe(1)
      if (v.layout === 'debian') expect(await startConf('host1')).toContain('disabled')
      const t0 = performance.now()
      const resumed = await (await ops.resume(failed.id)).finished
      timings['resume after rebuild'] = performance.now() - t0
      expect(resumed.error?.message).toBeUndefined()
      expectSteps(resumed, ['preflight:done', 'checkpoint:skipped', 'stop:skipped', 'rebuild:skipped', 'start:done', 'streaming:done|skipped', 'unfence:done', 'sync:skipped'])
      await follows('db1', 'db2')
      expect(await sql('db1', 'SELECT count(*) FROM rj')).toBe('180')
      expect(await isFenced(n1)).toBe(false)
      expect(await fenceDirs('host1')).toBe('')
    }, 120_000)
  })
}

rejoinSuite({ title: 'rejoin, plain data dirs, SSH login as postgres', clusterId: 'lab-rejoin', login: 'postgres', layout: 'plain', port: 5432, dataDir: (m) => `/var/lib/postgresql/rj/${m}` })
rejoinSuite({ title: 'rejoin, Debian clusters, SSH login as admin with sudo', clusterId: 'lab-rejoin-deb', login: 'admin', layout: 'debian', port: 5433, dataDir: (m) => `/srv/pg/${m}`, leaseSudo: 'postgres' })
