// Role changes from the command line against the lab: a synchronous three-member cluster
// (ANY 1), the confirmation (plan first, --yes, a declined prompt), switchover there and back,
// and the CLI killed at every step of a switchover and of a failover: resume or abandon ends
// with exactly one primary and the others streaming from it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LabHost } from '../../e2e/lab'
import { cleanupDataDirs, cliLab, topology as topologyOf, type CliLab } from '../../e2e/support/cli/cli-lab'

let t: CliLab
let hosts: LabHost[]
const dirOf = (name: string) => `/var/lib/postgresql/15/${name}`
const members = ['r1', 'r2', 'r3']
const soak = Boolean(process.env.SOAK)


const topology = () => topologyOf(hosts, members)

/** Exactly one primary, the other two streaming from it (waits for streaming to settle). */
async function expectConverged(): Promise<string> {
  let top = await topology()
  for (const deadline = Date.now() + 20_000; top.streaming.length < 2 && Date.now() < deadline; top = await topology()) await new Promise((r) => setTimeout(r, 200))
  expect(top.primaries).toHaveLength(1)
  expect(top.streaming).toEqual(members.filter((m) => m !== top.primaries[0]))
  return top.primaries[0]!
}

beforeAll(async () => {
  t = await cliLab()
  hosts = t.hosts
  await cleanupDataDirs(hosts, members.map(dirOf))
  expect((await t.cli('cluster', 'create', 'ha', '--member', 'r1', '--host', 'h1', '--pgdata', dirOf('r1'), '--sync')).code).toBe(0)
  for (const [i, m] of ['r2', 'r3'].entries()) {
    const added = await t.cli('replica', 'add', 'ha', m, '--host', `h${i + 2}`, '--pgdata', dirOf(m), '--sync')
    expect(added.err).toBe('')
  }
  expect(await expectConverged()).toBe('r1')
}, 180_000)

afterAll(async () => {
  await cleanupDataDirs(hosts, members.map(dirOf))
})

describe('replicadesk switchover against the lab', () => {
  it('shows the plan, asks, and runs only when confirmed', async () => {
    const plan = await t.cli('switchover', 'ha', '--dry-run')
    expect(plan.code).toBe(0)
    // The summary first, in plain words; the commands only with --verbose.
    expect(plan.out).toMatch(/r2 on h2 becomes the primary[\s\S]*Writes pause for about \d\.\d s[\s\S]*Expected data loss: None[\s\S]*Why r2: /)
    expect(plan.out).not.toMatch(/pg_promote/)
    expect((await t.cli('switchover', 'ha', '--dry-run', '--verbose')).out).toMatch(/pg_promote/)
    const unconfirmed = await t.cliWith({ asker: { isInteractive: false, ask: async () => 'yes' } }, 'switchover', 'ha')
    expect(unconfirmed.code).toBe(1)
    expect(unconfirmed.err).toMatch(/Confirm to switch over ha from r1 to r2.*--yes/)
    const declined = await t.cliWith({ asker: { isInteractive: true, ask: async () => 'no' } }, 'switchover', 'ha')
    expect(declined.code).toBe(1)
    expect(declined.err).toMatch(/From r1 to r2[\s\S]*Not confirmed: nothing was changed/)
    expect((await topology()).primaries).toEqual(['r1'])
    const asked: string[] = []
    const shown: string[] = []
    const confirmed = await t.cliWith({ err: (text) => shown.push(text), asker: { isInteractive: true, ask: async (q) => (asked.push(q), shown.push(`ASKED ${q}`), 'yes') } }, 'switchover', 'ha')
    // Before "Type yes": the summary, who and what it may cost; no command without --verbose.
    expect(shown[0]).toMatch(/r2 on h2 becomes the primary[\s\S]*From r1 to r2/)
    expect(shown[0]).not.toMatch(/pg_promote/)
    expect(shown[1]).toMatch(/^ASKED Proceed\? Type "yes"/)
    expect(confirmed.code).toBe(0)
    expect(asked).toHaveLength(1)
    expect(await expectConverged()).toBe('r2')
    const back = await t.cli('switchover', 'ha', '--to', 'r1', '--yes', '--json')
    expect(back.code).toBe(0)
    expect(JSON.parse(back.out)).toMatchObject({ status: 'succeeded', kind: 'pg-switchover' })
    expect(await expectConverged()).toBe('r1')
  }, 120_000)

  const steps = ['preflight', 'stop', 'catch-up', 'promote', 'repoint', 'demote', 'sync', 'verify']
  const points = soak ? steps.flatMap((s) => [`before:${s}`, `after:${s}`]) : steps.map((s) => `after:${s}`)
  it(`the CLI killed at every step (${points.length} points): resume or abandon leaves one primary, the others following`, async () => {
    const outcomes: string[] = []
    for (const [i, point] of points.entries()) {
      const killed = t.cliProcess(point, 'switchover', 'ha', '--yes')
      expect(killed.signal ?? `exit ${killed.status}: ${String(killed.stderr)}${String(killed.stdout)}`).toBe('SIGKILL')
      const listed = await t.cli('operation', 'list', '--cluster', 'ha', '--json')
      const ops = JSON.parse(listed.out) as { id: string; status: string }[]
      if (!Array.isArray(ops)) throw new Error(`operation list failed (exit ${listed.code}): ${listed.out} ${listed.err}`)
      const interrupted = ops.find((o) => o.status === 'interrupted')
      expect(interrupted, point).toBeDefined()
      const how = i % 2 === 0 ? 'resume' : 'abandon'
      const done = await t.cli('operation', how, interrupted!.id)
      expect(done.err, `${point} ${how}`).toBe('')
      expect(done.code).toBe(0)
      const primary = await expectConverged()
      outcomes.push(`${point} ${how} → ${primary}`)
    }
    console.log(`[switchover crash points] ${outcomes.join('; ')}`)
  }, 600_000)

  const foSteps = ['assess', 'fence', 'promote', 'repoint', 'verify']
  const foPoints = soak ? foSteps.flatMap((s) => [`before:${s}`, `after:${s}`]) : foSteps.map((s) => `after:${s}`)
  it(`the CLI killed at every step of a failover (${foPoints.length} points; no fault on the primary: it is up and fenced first): one primary, the others following; the fenced one rejoins`, async () => {
    const outcomes: string[] = []
    for (const [i, point] of foPoints.entries()) {
      const old = await expectConverged()
      // The primary is up: the failover fences it first (the user was warned in the plan).
      const killed = t.cliProcess(point, 'failover', 'ha', '--yes')
      expect(killed.signal ?? `exit ${killed.status}: ${String(killed.stderr)}${String(killed.stdout)}`).toBe('SIGKILL')
      const listed = await t.cli('operation', 'list', '--cluster', 'ha', '--json')
      const ops = JSON.parse(listed.out) as { id: string; status: string }[]
      if (!Array.isArray(ops)) throw new Error(`operation list failed (exit ${listed.code}): ${listed.out} ${listed.err}`)
      const interrupted = ops.find((o) => o.status === 'interrupted')
      expect(interrupted, point).toBeDefined()
      const how = i % 2 === 0 ? 'resume' : 'abandon'
      const done = await t.cli('operation', how, interrupted!.id)
      expect(done.err, `${point} ${how}`).toBe('')
      expect(done.code).toBe(0)
      const fenced = (JSON.parse((await t.cli('cluster', 'list', '--json')).out) as { fenced: string[] }[])[0]!.fenced
      // Every member that is not fenced follows the one primary (a standby whose primary came
      // back retries its stream within wal_retrieve_retry_interval, 5 s).
      let top = await topology()
      const want = () => members.filter((m) => m !== top.primaries[0] && !fenced.includes(m))
      for (const deadline = Date.now() + 20_000; top.streaming.length < want().length && Date.now() < deadline; top = await topology()) await new Promise((r) => setTimeout(r, 200))
      expect(top.primaries, `${point} ${how}`).toHaveLength(1)
      expect(top.streaming, `${point} ${how}`).toEqual(want())
      for (const f of fenced) expect((await t.cli('rejoin', 'ha', f, '--yes')).err, `rejoin ${f} after ${point} ${how}`).toBe('')
      outcomes.push(`${point} ${how} → ${top.primaries[0]}${fenced.length ? ` (${fenced.join(', ')} fenced, rejoined)` : ''}`)
      expect(old).toBeTruthy()
    }
    await expectConverged()
    console.log(`[failover crash points] ${outcomes.join('; ')}`)
  }, 600_000)
})
