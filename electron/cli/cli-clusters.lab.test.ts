// The cluster commands end to end against the lab, as a user runs them: create a primary,
// add a replica with a dry run first, see it stream, kill the CLI in the middle of a base
// backup and resume or abandon, remove a replica.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exec, execOk, type LabHost } from '../../e2e/lab'
import { runCli } from './main'
import { cleanupDataDirs, cliLab, type CliLab } from '../../e2e/support/cli/cli-lab'

let t: CliLab
let hosts: LabHost[]
let dataDir: string
const dirOf = (name: string) => `/var/lib/postgresql/15/${name}`
const cli = (...argv: string[]) => t.cli(...argv)
const cliProcess = (fault: string, ...argv: string[]) => t.cliProcess(fault, ...argv)


const psql = (host: LabHost, sql: string) => t.psql(host, 5432, sql)

beforeAll(async () => {
  t = await cliLab()
  hosts = t.hosts
  dataDir = t.dataDir
})

afterAll(async () => {
  await cleanupDataDirs(hosts, [dirOf('c1'), dirOf('c2'), dirOf('c3')])
})

describe('replicadesk cluster and replica commands against the lab', () => {
  it('creates a cluster: a new primary on h1', async () => {
    const plan = await cli('cluster', 'create', 'main', '--member', 'c1', '--host', 'h1', '--pgdata', dirOf('c1'), '--dry-run')
    expect(plan.code).toBe(0)
    expect(plan.out).toMatch(/dry run: nothing was changed/)
    expect(plan.out).toMatch(/initdb/)
    const created = await cli('cluster', 'create', 'main', '--member', 'c1', '--host', 'h1', '--pgdata', dirOf('c1'))
    expect(created.err).toBe('')
    expect(created.code).toBe(0)
    expect(await psql(hosts[0]!, 'select pg_is_in_recovery()')).toBe('f')
    await execOk(hosts[0]!.name, ['/usr/lib/postgresql/15/bin/pgbench', '-i', '-s', '3', '-q', '-h', '/var/run/postgresql', 'postgres'], { user: 'postgres' })
    const list = JSON.parse((await cli('cluster', 'list', '--json')).out)
    expect(list).toMatchObject([{ id: 'main', major: '15', members: [{ name: 'c1', host: 'h1', access: 'postgres' }] }])
  }, 120_000)

  it('adds a replica: the dry run shows the plan without a secret, then the copy reports progress and it streams', async () => {
    const plan = await cli('replica', 'add', 'main', 'c2', '--host', 'h2', '--pgdata', dirOf('c2'), '--sync', '--dry-run', '--json')
    const planned = JSON.parse(plan.out)
    expect(planned.dryRun).toBe(true)
    expect(planned.plan.steps.map((s: { id: string }) => s.id)).toEqual(['preflight', 'prepare', 'base-backup', 'start', 'streaming', 'sync'])
    expect(JSON.stringify(planned)).not.toMatch(/password=/)
    // The summary states the copy in numbers: the primary's size, read now (pgbench -s 3: about 120 MB).
    expect(planned.plan.summary.join(' ')).toMatch(/copied to h2:\S+ with pg_basebackup: [1-9]\d+\.\d MB, (about \d+ s|under a second) at 100 MB\/s/)
    const added = await cli('replica', 'add', 'main', 'c2', '--host', 'h2', '--pgdata', dirOf('c2'), '--sync')
    expect(added.err).toBe('')
    expect(added.code).toBe(0)
    expect(added.progress).toMatch(/base-backup/)
    expect(await psql(hosts[0]!, "select application_name || ':' || state from pg_stat_replication")).toBe('c2:streaming')
    expect(await psql(hosts[0]!, 'show synchronous_standby_names')).toBe('ANY 1 ("c2")')
    const status = JSON.parse((await cli('status', 'main', '--json')).out)
    expect(status).toMatchObject({ cluster: 'main', primary: 'c1', splitBrain: null })
    expect(status.members).toMatchObject([
      { name: 'c1', state: 'up', role: 'primary', writable: true },
      { name: 'c2', state: 'up', role: 'standby', senderState: 'streaming', syncState: 'quorum' },
    ])
    expect((await cli('status', 'main')).out).toMatch(/c2\s+h2:5432\s+standby\s+up/)
  }, 120_000)

  it('status --watch shows the table again when the status changes, until stopped', async () => {
    const shown: string[] = []
    const stop = new AbortController()
    const watching = runCli(['status', 'main', '--watch', '--data-dir', dataDir], { out: (t) => shown.push(t), err: () => {}, stop: stop.signal })
    await expect.poll(() => shown.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(2) // first read, then an event
    stop.abort()
    expect(await watching).toBe(0)
    expect(shown.at(-1)).toMatch(/c1\s+h1:5432\s+primary\s+up/)
  }, 120_000)

  it('resumes a replica add after the CLI was killed in the middle of the base backup', async () => {
    const killed = cliProcess('during:base-backup', 'replica', 'add', 'main', 'c3', '--host', 'h3', '--pgdata', dirOf('c3'))
    expect(killed.signal ?? `exit ${killed.status}: ${killed.stderr}${killed.stdout}`).toBe('SIGKILL')
    const ops = JSON.parse((await cli('operation', 'list', '--cluster', 'main', '--json')).out) as { id: string; kind: string; status: string }[]
    const interrupted = ops.find((o) => o.kind === 'pg-add-replica' && o.status === 'interrupted')
    expect(interrupted).toBeDefined()
    const resumed = await cli('operation', 'resume', interrupted!.id)
    expect(resumed.err).toBe('')
    expect(resumed.code).toBe(0)
    expect(await psql(hosts[0]!, "select count(*) from pg_stat_replication where state = 'streaming'")).toBe('2')
  }, 180_000)

  it('abandons a replica add killed in the middle of the base backup: nothing half-made remains', async () => {
    expect((await cli('replica', 'remove', 'main', 'c3', '--delete-data')).code).toBe(0)
    expect(JSON.parse((await cli('cluster', 'list', '--json')).out)[0].members.map((m: { name: string }) => m.name)).toEqual(['c1', 'c2'])
    const killed = cliProcess('during:base-backup', 'replica', 'add', 'main', 'c3', '--host', 'h3', '--pgdata', dirOf('c3'))
    expect(killed.signal ?? `exit ${killed.status}: ${killed.stderr}${killed.stdout}`).toBe('SIGKILL')
    const ops = JSON.parse((await cli('operation', 'list', '--json')).out) as { id: string; status: string }[]
    const interrupted = ops.find((o) => o.status === 'interrupted')!
    const abandoned = await cli('operation', 'abandon', interrupted.id)
    expect(abandoned.err).toBe('')
    expect(abandoned.code).toBe(0)
    expect((await exec(hosts[2]!.name, ['test', '-e', dirOf('c3')])).code).not.toBe(0)
    expect(await psql(hosts[0]!, "select count(*) from pg_replication_slots where slot_name = 'rd_c3'")).toBe('0')
    expect(JSON.parse((await cli('cluster', 'list', '--json')).out)[0].members.map((m: { name: string }) => m.name)).toEqual(['c1', 'c2'])
  }, 180_000)
})
