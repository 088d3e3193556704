// When every synchronous replica is gone (issue 17), through a running instance: "available"
// relaxes synchronous_standby_names after its wait (a write that was waiting goes through),
// marks the record relaxed (the verdict says so), and restores the setting once the replicas
// stream again — also when the instance was stopped meanwhile and another one starts; "strict"
// never relaxes: writes wait.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exec, type LabHost } from '../../e2e/lab'
import { HeadlessServer } from '../../e2e/fixtures/server'
import { cleanupDataDirs, cliLab, waitFor, type CliLab } from '../../e2e/support/cli/cli-lab'

let t: CliLab
let hosts: LabHost[]
let server: HeadlessServer | undefined
const members = ['l1', 'l2', 'l3']
const dirOf = (name: string) => `/var/lib/postgresql/15/${name}`
const pgctl = (i: number, ...args: string[]) => exec(hosts[i]!.name, ['/usr/lib/postgresql/15/bin/pg_ctl', '-D', dirOf(members[i]!), '-l', `/var/log/postgresql/replicadesk-${members[i]}.log`, '-w', ...args], { user: 'postgres' })
const ssn = () => t.psql(hosts[0]!, 5432, 'SHOW synchronous_standby_names')
const record = async () => (JSON.parse((await t.cli('cluster', 'list', '--json')).out) as { id: string; relaxedSince?: string }[]).find((c) => c.id === 'ls')!
/** An INSERT on the primary, given `seconds` to be acknowledged: its exit code (124: still waiting) and how long it took. */
async function write(seconds: number) {
  const t0 = performance.now()
  const r = await exec(hosts[0]!.name, ['timeout', String(seconds), '/usr/lib/postgresql/15/bin/psql', '-X', '-At', '-h', '/var/run/postgresql', '-d', 'postgres', '-c', 'INSERT INTO t DEFAULT VALUES'], { user: 'postgres', timeoutMs: (seconds + 5) * 1000 })
  return { code: r.code, ms: performance.now() - t0 }
}

beforeAll(async () => {
  t = await cliLab()
  hosts = t.hosts
  await cleanupDataDirs(hosts, members.map(dirOf))
  expect((await t.cli('cluster', 'create', 'ls', '--member', 'l1', '--host', 'h1', '--pgdata', dirOf('l1'))).code).toBe(0)
  for (const [i, m] of ['l2', 'l3'].entries()) expect((await t.cli('replica', 'add', 'ls', m, '--host', `h${i + 2}`, '--pgdata', dirOf(m), '--sync')).err).toBe('')
  await t.psql(hosts[0]!, 5432, 'CREATE TABLE t (id serial primary key)')
}, 180_000)

afterAll(async () => {
  await server?.stop()
  await cleanupDataDirs(hosts, members.map(dirOf))
})

describe('every synchronous replica gone', () => {
  it('strict: writes wait, nothing is relaxed', async () => {
    expect((await t.cli('settings', 'ls', '--lost-sync', 'strict', '--yes')).code).toBe(0)
    server = await HeadlessServer.start(t.dataDir)
    await Promise.all([pgctl(1, '-m', 'fast', 'stop'), pgctl(2, '-m', 'fast', 'stop')])
    try {
      expect((await write(4)).code).toBe(124)
      expect(await ssn()).toBe('ANY 1 ("l2", "l3")')
      expect((await record()).relaxedSince).toBeUndefined()
    } finally {
      await Promise.all([pgctl(1, 'start'), pgctl(2, 'start')])
      await server.stop()
      server = undefined
    }
  }, 120_000)

  it('available: relaxed after the wait (the write goes through), restored when they are back, also by the next instance', async () => {
    expect((await t.cli('settings', 'ls', '--lost-sync', 'available', '--relax-after-s', '2', '--yes')).code).toBe(0)
    server = await HeadlessServer.start(t.dataDir)
    await waitFor('both replicas stream', ssn, (v) => v === 'ANY 1 ("l2", "l3")')
    await Promise.all([pgctl(1, '-m', 'fast', 'stop'), pgctl(2, '-m', 'fast', 'stop')])
    const w = await write(15)
    expect(w.code).toBe(0)
    console.log(`[available] a write waiting for the gone replicas went through ${w.ms.toFixed(0)} ms after they stopped (relax after 2 s, status every 1 s)`)
    expect(w.ms).toBeLessThan(2000 + 1000 + 3000) // the wait, one status period, slack for a loaded machine
    expect(await ssn()).toBe('')
    expect((await record()).relaxedSince).toBeDefined()
    const verdict = JSON.parse((await t.cli('health', 'ls', '--json')).out) as { noLoss: { failures: number }; findings: { id: string }[] }
    expect(verdict.findings.map((f) => f.id)).toContain('relaxed')
    expect(verdict.noLoss.failures).toBe(0)
    const plan = JSON.parse((await t.cli('failover', 'ls', '--dry-run', '--json')).out) as { plan?: { assessment: { loss: { kind: string; text: string } } } }
    if (plan.plan) expect(plan.plan.assessment.loss.kind).not.toBe('none')

    // The instance stops while relaxed; the replicas come back; the next instance restores it.
    await server.stop()
    server = undefined
    await Promise.all([pgctl(1, 'start'), pgctl(2, 'start')])
    expect(await ssn()).toBe('')
    server = await HeadlessServer.start(t.dataDir)
    const restored = await waitFor('restored by the next instance', ssn, (v) => v === 'ANY 1 ("l2", "l3")', 20_000)
    console.log(`[available] restored ${restored.ms.toFixed(0)} ms after the next instance started`)
    await waitFor('the record no longer relaxed', record, (r) => r.relaxedSince === undefined)
  }, 180_000)
})
