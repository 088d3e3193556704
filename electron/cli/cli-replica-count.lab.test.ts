// The replicas wanted, reached by `settings CLUSTER --replicas N` against the lab: 1 → 2 adds a
// replica on the host of a failure domain no member uses (a host record of the primary's domain
// sorts first by name, so the preference decides), and it streams; 2 → 1 removes the replica the
// plan named; the CLI killed in the middle of the add's copy: `operation resume` finishes it
// (SOAK=1: killed after every step of the add, resumed and abandoned in turn).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ReplicaCountAction } from '../../shared/operations'
import { cleanupDataDirs, cliLab, topology, type CliLab } from '../../e2e/support/cli/cli-lab'

let t: CliLab
const names = ['r1', 'r2', 'r3', 'r4']
const dirOf = (name: string) => `/var/lib/postgresql/15/${name}`
const hostIndex = (host: string) => Number(host.slice(1)) - 1
const soak = Boolean(process.env.SOAK)

type Rec = { id: string; desiredReplicas?: number; members: { name: string; host: string; dataDir: string }[] }
const record = async () => (JSON.parse((await t.cli('cluster', 'list', '--json')).out) as Rec[]).find((c) => c.id === 'rc')!
const planOf = async (n: string) => {
  const r = await t.cli('settings', 'rc', '--replicas', n, '--dry-run', '--json')
  expect(r.code, r.err).toBe(0)
  return JSON.parse(r.out) as { plan: { settings: { replicas?: ReplicaCountAction[] }; steps: { id: string; title: string }[] } }
}
/** Who streams from r1, read on the primary's host; the members placed as the record says. */
const streaming = async () => {
  const rec = await record()
  return (await topology(rec.members.map((m) => t.hosts[hostIndex(m.host)]!), rec.members.map((m) => m.name))).streaming
}

beforeAll(async () => {
  t = await cliLab()
  await cleanupDataDirs(t.hosts, names.map(dirOf))
  expect((await t.cli('cluster', 'create', 'rc', '--member', 'r1', '--host', 'h1', '--pgdata', dirOf('r1'))).code).toBe(0)
  expect((await t.cli('replica', 'add', 'rc', 'r2', '--host', 'h2', '--pgdata', dirOf('r2'))).err).toBe('')
  for (const [h, d] of [['h1', 'room-a'], ['h2', 'room-a'], ['h3', 'room-b']]) expect((await t.cli('host', 'edit', h!, '--failure-domain', d!)).code).toBe(0)
  // A second record of h1's machine, in the members' domain: by name it would come first.
  expect((await t.cli('host', 'add', 'h0', '--address', t.hosts[0]!.address, '--user', 'postgres', '--identity-file', t.lab.clientKeyPath, '--failure-domain', 'room-a')).code).toBe(0)
}, 180_000)

afterAll(async () => {
  await cleanupDataDirs(t.hosts, names.map(dirOf))
})

describe('replicadesk settings --replicas against the lab', () => {
  it('1 → 2 adds a replica on the host of another failure domain, and it streams', async () => {
    const plan = await planOf('2')
    expect(plan.plan.settings.replicas).toEqual([{ action: 'add', member: 'r3', host: 'h3', dataDir: dirOf('r3'), port: 5432, why: 'failure domain "room-b", where no member runs' }])
    expect(plan.plan.steps.map((s) => s.id)).toContain('add1-base-backup')
    const r = await t.cli('settings', 'rc', '--replicas', '2', '--yes', '--json')
    expect(r.err).toBe('')
    expect(JSON.parse(r.out)).toMatchObject({ status: 'succeeded', kind: 'pg-settings' })
    expect((await record()).members.find((m) => m.name === 'r3')).toMatchObject({ host: 'h3', dataDir: dirOf('r3') })
    expect(await streaming()).toEqual(['r2', 'r3'])
  }, 120_000)

  it('2 → 1 removes the replica the plan named', async () => {
    const plan = await planOf('1')
    const named = plan.plan.settings.replicas!
    expect(named).toHaveLength(1)
    expect(named[0]).toMatchObject({ action: 'remove', why: expect.stringMatching(/^asynchronous, \d+ bytes behind$/) })
    expect((await t.cli('settings', 'rc', '--replicas', '1', '--yes')).err).toBe('')
    await removedAsPlanned(named[0]!)
    // Only one free machine from here on: the second record of h1 goes.
    expect((await t.cli('host', 'remove', 'h0')).code).toBe(0)
  }, 120_000)

  // SOAK=1: every step of the add killed, resumed and abandoned in turn (not after its sync step:
  // on an asynchronous cluster its check finds it done, so it never runs); npm test: the middle of the copy, resumed.
  const points = soak
    ? ['before:add1-preflight', 'after:add1-prepare', 'during:add1-base-backup', 'after:add1-base-backup', 'after:add1-start', 'after:add1-streaming'].flatMap((p) => [`${p}/resume`, `${p}/abandon`])
    : ['during:add1-base-backup/resume']
  it(`the CLI killed during the add (${points.length} points): resumed it streams, abandoned it is gone`, async () => {
    for (const at of points) {
      const [point, how] = at.split('/') as [string, 'resume' | 'abandon']
      const before = await streaming()
      const next = (await planOf('2')).plan.settings.replicas!
      expect(next).toMatchObject([{ action: 'add' }])
      const killed = t.cliProcess(point, 'settings', 'rc', '--replicas', '2', '--yes')
      expect(killed.signal ?? `exit ${killed.status}: ${String(killed.stderr)}`, at).toBe('SIGKILL')
      const listed = await t.cli('operation', 'list', '--json')
      const ops = JSON.parse(listed.out) as { id: string; status: string; clusterId: string }[]
      expect(Array.isArray(ops), `${at}: operation list: ${listed.out} ${listed.err}`).toBe(true)
      const interrupted = ops.find((o) => o.clusterId === 'rc' && o.status === 'interrupted')
      expect(interrupted, at).toBeDefined()
      const r = await t.cli('operation', how, interrupted!.id)
      expect(r.code, `${at}: ${r.err}`).toBe(0)
      const names = (await record()).members.map((m) => m.name)
      if (how === 'abandon') {
        expect(names, at).not.toContain(next[0]!.member)
        expect(await streaming(), at).toEqual(before)
        await cleanupDataDirs([t.hosts[hostIndex(next[0]!.host)]!], [dirOf(next[0]!.member)])
        continue
      }
      expect(names, at).toContain(next[0]!.member)
      expect(await streaming(), at).toEqual([...before, next[0]!.member].sort())
      if (at === points.at(-1)) break
      const lower = (await planOf('1')).plan.settings.replicas!
      expect((await t.cli('settings', 'rc', '--replicas', '1', '--yes')).err).toBe('')
      await removedAsPlanned(lower[0]!)
    }
  }, soak ? 900_000 : 120_000)
})

/** The member the plan named is out of the record and no longer streams; its kept data dir cleared for the next add. */
async function removedAsPlanned(gone: ReplicaCountAction): Promise<void> {
  const rec = await record()
  expect(rec.members.map((m) => m.name)).not.toContain(gone.member)
  expect(rec.desiredReplicas).toBe(1)
  expect(await streaming()).toHaveLength(1)
  await cleanupDataDirs([t.hosts[hostIndex(gone.host)]!], [dirOf(gone.member)])
}
