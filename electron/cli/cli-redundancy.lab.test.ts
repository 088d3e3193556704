// Redundancy settings and the health verdict from the command line against the lab: a
// synchronous three-member cluster; `settings` planned (what changes, what it means), applied
// and read back on every server; `health` exits 0 when healthy and 5 when not (a replica
// stopped, two hosts with one machine-id); the CLI killed at every step of a settings change:
// resume applies it, abandon puts the old values back on the servers and in the record.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exec, execOk, type LabHost } from '../../e2e/lab'
import { cleanupDataDirs, cliLab, type CliLab } from '../../e2e/support/cli/cli-lab'

let t: CliLab
let hosts: LabHost[]
const members = ['s1', 's2', 's3']
const dirOf = (name: string) => `/var/lib/postgresql/15/${name}`
const soak = Boolean(process.env.SOAK)
const show = (i: number, key: string) => t.psql(hosts[i]!, 5432, `SHOW ${key}`)
const pgctl = (i: number, ...args: string[]) => exec(hosts[i]!.name, ['/usr/lib/postgresql/15/bin/pg_ctl', '-D', dirOf(members[i]!), '-l', `/var/log/postgresql/replicadesk-${members[i]}.log`, '-w', ...args], { user: 'postgres' })
const health = async () => {
  const r = await t.cli('health', 'rh', '--json')
  return { code: r.code, v: JSON.parse(r.out) as { state: string; noLoss: { failures: number }; writes: { failures: number }; findings: { id: string; text: string }[] } }
}

beforeAll(async () => {
  t = await cliLab()
  hosts = t.hosts
  await cleanupDataDirs(hosts, members.map(dirOf))
  expect((await t.cli('cluster', 'create', 'rh', '--member', 's1', '--host', 'h1', '--pgdata', dirOf('s1'))).code).toBe(0)
  for (const [i, m] of ['s2', 's3'].entries()) expect((await t.cli('replica', 'add', 'rh', m, '--host', `h${i + 2}`, '--pgdata', dirOf(m), '--sync')).err).toBe('')
}, 180_000)

afterAll(async () => {
  await cleanupDataDirs(hosts, members.map(dirOf))
})

describe('replicadesk settings and health against the lab', () => {
  it('plans the change in words, applies it, reads it back on every server', async () => {
    const plan = await t.cli('settings', 'rh', '--sync-method', 'FIRST', '--synchronous-commit', 'remote_apply', '--dry-run', '--json')
    expect(plan.code).toBe(0)
    const changes = (JSON.parse(plan.out) as { plan: { settings: { changes: { setting: string; to: string; meaning?: string }[] } } }).plan.settings.changes
    expect(changes.map((c) => `${c.setting} → ${c.to}`)).toEqual(['replication mode → FIRST 1 of 2 (s2, s3)', 'synchronous_commit → remote_apply'])
    expect(changes[1]!.meaning).toMatch(/applied it: a read there right after sees it/)
    const applied = await t.cli('settings', 'rh', '--sync-method', 'FIRST', '--synchronous-commit', 'remote_apply', '--yes', '--json')
    expect(applied.err).toBe('')
    expect(JSON.parse(applied.out)).toMatchObject({ status: 'succeeded', kind: 'pg-settings' })
    expect(await show(0, 'synchronous_standby_names')).toBe('FIRST 1 ("s2", "s3")')
    expect(await show(1, 'synchronous_standby_names')).toBe('FIRST 1 ("s3")')
    for (const i of [0, 1, 2]) expect(await show(i, 'synchronous_commit')).toBe('remote_apply')
    const record = (JSON.parse((await t.cli('cluster', 'list', '--json')).out) as { id: string; sync: { method: string }; synchronousCommit: string }[]).find((c) => c.id === 'rh')!
    expect(record).toMatchObject({ sync: { method: 'FIRST' }, synchronousCommit: 'remote_apply' })
    const back = await t.cli('settings', 'rh', '--sync-method', 'ANY', '--synchronous-commit', 'on', '--yes')
    expect(back.code).toBe(0)
  }, 120_000)

  it('desired replicas: the plan names the replica to remove first and why; no free host to add one', async () => {
    const lower = JSON.parse((await t.cli('settings', 'rh', '--desired-replicas', '1', '--dry-run', '--json')).out) as { plan: { settings: { warnings: string[]; replicas?: { action: string; member: string; why: string }[] }; steps: { id: string }[] } }
    expect(lower.plan.settings.warnings.join('\n')).toMatch(/1 replicas wanted, 2 recorded: remove s[23] \(synchronous, \d+ bytes behind\), the least useful first; their data dirs are kept\./)
    expect(lower.plan.settings.replicas).toMatchObject([{ action: 'remove', member: expect.stringMatching(/^s[23]$/), why: expect.stringMatching(/^synchronous, \d+ bytes behind$/) }])
    expect(lower.plan.steps.map((s) => s.id)).toContain('remove1-stop')
    const raise = JSON.parse((await t.cli('settings', 'rh', '--replicas', '3', '--dry-run', '--json')).out) as { plan: { settings: { warnings: string[]; replicas?: unknown[] } } }
    expect(raise.plan.settings.warnings.join('\n')).toMatch(/3 replicas wanted, 2 recorded: nothing can be added\. No host record is free for 1 more: add hosts first \(host add\)\./)
    expect(raise.plan.settings.replicas).toBeUndefined()
  }, 60_000)

  it('health: 0 when healthy, 5 with a replica stopped, and two hosts with one machine-id are one machine', async () => {
    const ok = await health()
    expect(ok.code, JSON.stringify(ok.v.findings)).toBe(0)
    expect(ok.v).toMatchObject({ state: 'healthy', noLoss: { failures: 1 }, writes: { failures: 1 } })
    const human = await t.cli('health', 'rh')
    expect(human.out).toMatch(/Survives 1 member failure without losing an acknowledged write: ANY 1 of 2 \(s2, s3\)/)
    expect(human.out).toMatch(/DROP TABLE/)

    await pgctl(2, '-m', 'fast', 'stop')
    try {
      const down = await health()
      expect(down.code).toBe(5)
      expect(down.v.findings.map((f) => f.id)).toEqual(expect.arrayContaining(['down:s3', 'writes-spof']))
      expect(down.v.writes.failures).toBe(0)
    } finally {
      await pgctl(2, 'start')
    }

    const id1 = (await execOk(hosts[0]!.name, ['cat', '/etc/machine-id'])).trim()
    const id2 = (await execOk(hosts[1]!.name, ['cat', '/etc/machine-id'])).trim()
    await execOk(hosts[1]!.name, ['sh', '-c', 'printf "%s\\n" "$1" > /etc/machine-id', 'sh', id1])
    try {
      const same = await health()
      expect(same.code).toBe(5)
      // The lab's hosts share one filesystem: their data dirs are on one disk too, and the verdict says so.
      expect(same.v.findings.find((f) => f.id === 'same-machine:s1,s2')?.text).toBe('s1 and s2 run on one machine (h1 and h2 have the same /etc/machine-id) — s1 and s2 even on one disk: one dead box or disk takes them together.')
    } finally {
      await execOk(hosts[1]!.name, ['sh', '-c', 'printf "%s\\n" "$1" > /etc/machine-id', 'sh', id2])
    }
  }, 120_000)

  // A reload-only change: its restart step is skipped (its check reads that nothing needs one), so it has no point to be killed at.
  it('drift after a manual ALTER SYSTEM: shown, then put back; again, then adopted', async () => {
    const alter = (value: string) => t.psql(hosts[0]!, 5432, `ALTER SYSTEM SET synchronous_commit = '${value}'`).then(() => t.psql(hosts[0]!, 5432, 'SELECT pg_reload_conf()'))
    await alter('local')
    const drifted = await health()
    expect(drifted.code).toBe(5)
    expect(drifted.v.findings.find((f) => f.id === 'drift:synchronous_commit')?.text).toBe("synchronous_commit differs from ReplicaDesk's setting: 'local' on s1 (ReplicaDesk: 'on').")
    expect((await t.cli('settings', 'rh', '--yes')).code).toBe(0)
    expect(await show(0, 'synchronous_commit')).toBe('on')
    expect((await health()).code).toBe(0)
    await t.psql(hosts[0]!, 5432, "ALTER SYSTEM SET synchronous_commit = 'remote_write'").then(() => t.psql(hosts[0]!, 5432, 'SELECT pg_reload_conf()'))
    const adopted = await t.cli('settings', 'rh', '--adopt', '--yes')
    expect(adopted.err).toBe('')
    for (const i of [0, 1, 2]) expect(await show(i, 'synchronous_commit')).toBe('remote_write')
    expect((JSON.parse((await t.cli('cluster', 'list', '--json')).out) as { id: string; synchronousCommit: string }[]).find((c) => c.id === 'rh')!.synchronousCommit).toBe('remote_write')
    expect((await t.cli('settings', 'rh', '--synchronous-commit', 'on', '--yes')).code).toBe(0)
    expect((await health()).code).toBe(0)
  }, 120_000)

  const steps = ['read', 'apply', 'verify']
  const points = soak ? steps.flatMap((s) => [`before:${s}`, `after:${s}`]) : steps.map((s) => `after:${s}`)
  it(`the CLI killed at every step of a settings change (${points.length} points): resume applies it, abandon puts the old values back`, async () => {
    for (const [i, point] of points.entries()) {
      const killed = t.cliProcess(point, 'settings', 'rh', '--synchronous-commit', 'remote_write', '--yes')
      expect(killed.signal ?? `exit ${killed.status}: ${String(killed.stderr)}${String(killed.stdout)}`).toBe('SIGKILL')
      const ops = JSON.parse((await t.cli('operation', 'list', '--cluster', 'rh', '--json')).out) as { id: string; status: string }[]
      const interrupted = ops.find((o) => o.status === 'interrupted')
      expect(interrupted, point).toBeDefined()
      const how = i % 2 === 0 ? 'resume' : 'abandon'
      const r = await t.cli('operation', how, interrupted!.id)
      expect(r.code, `${point} ${how}: ${r.err}`).toBe(0)
      const want = how === 'resume' ? 'remote_write' : 'on'
      for (const h of [0, 1, 2]) expect(await show(h, 'synchronous_commit'), `${point} ${how} on ${members[h]}`).toBe(want)
      const record = (JSON.parse((await t.cli('cluster', 'list', '--json')).out) as { id: string; synchronousCommit: string }[]).find((c) => c.id === 'rh')!
      expect(record.synchronousCommit, `${point} ${how}: the record`).toBe(want)
      if (want !== 'on') expect((await t.cli('settings', 'rh', '--synchronous-commit', 'on', '--yes')).code).toBe(0)
    }
  }, 300_000)
})
