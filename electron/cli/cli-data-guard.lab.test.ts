// The data-dir guard against the lab, as a user runs the CLI: one cluster (primary g1 on h1,
// standby g2 on h2) shared by every case. Each refusal leaves canary files and the servers
// untouched; a stale copy of this cluster is overwritten on plain --overwrite; an unrelated dir
// needs --overwrite-unrelated (the plan shows its size); a CLI killed during the copy resumes
// through the same check on the server; the step scripts refuse on their own when called with
// an unsafe target (the pre-flight bypassed).
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exec, execOk, type LabHost } from '../../e2e/lab'
import { GUARDED_EXEC } from '../core/engines/postgres/data-dir-guard'
import { DELETE } from '../core/engines/postgres/remove-replica'
import { REJOIN_REBUILD } from '../core/engines/postgres/rejoin-scripts'
import { CLAIMED_FRESH, UNCLAIM } from '../core/engines/postgres/scripts'
import { claimKey } from '../core/engines/postgres/claims'
import { cleanupDataDirs, cliLab, type CliLab } from '../../e2e/support/cli/cli-lab'

let t: CliLab
let h: LabHost[]
const home = '/var/lib/postgresql'
const base = `${home}/rdg`
const g1 = `${base}/g1`
const g2 = `${base}/g2`
const stale = `${home}/rdg-stale`
const junk = `${home}/rdg-junk`
const foreign = `${home}/rdg-foreign`
const bin = '/usr/lib/postgresql/15/bin'
const t0 = performance.now()

const cli = (...argv: string[]) => t.cli(...argv)
const asPg = (host: LabHost, script: string, ...args: string[]) => exec(host.name, ['sh', '-c', script, 'sh', ...args], { user: 'postgres' })
const exists = async (host: LabHost, path: string) => (await exec(host.name, ['test', '-e', path])).code === 0
/** A canary file in DIR; `alive` says whether it is still there with its content. */
async function canary(host: LabHost, dir: string) {
  const file = `${dir}/CANARY-rd`
  await execOk(host.name, ['sh', '-c', 'mkdir -p "$1" && echo alive > "$2"', 'sh', dir, file], { user: 'postgres' })
  return { alive: async () => (await exec(host.name, ['cat', file])).stdout.trim() === 'alive' }
}
/** The cluster's servers are as they were: g1 writable on h1, g2 streaming from it. */
async function clusterIntact() {
  expect(await exists(h[0]!, `${g1}/PG_VERSION`)).toBe(true)
  expect(await exists(h[1]!, `${g2}/PG_VERSION`)).toBe(true)
  expect(await t.psql(h[0]!, 5432, "select application_name from pg_stat_replication where state = 'streaming' and application_name = 'g2'")).toBe('g2')
}
/** Abandons the last failed or interrupted operation (a refused add keeps its member in the record until then). */
async function abandonLast() {
  const ops = JSON.parse((await cli('operation', 'list', '--cluster', 'g', '--json')).out) as { id: string; status: string }[]
  const open = ops.filter((o) => o.status === 'failed' || o.status === 'interrupted')
  for (const o of open) expect((await cli('operation', 'abandon', o.id)).code).toBe(0)
}
/** Edits the cluster record on disk (a member that appears by hand, another tool, or a restore). */
function editRecord(f: (members: Record<string, unknown>[]) => Record<string, unknown>[]) {
  const file = join(t.dataDir, 'clusters.json')
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { version: number; data: { id: string; members: Record<string, unknown>[] }[] }
  doc.data = doc.data.map((c) => (c.id === 'g' ? { ...c, members: f(c.members) } : c))
  writeFileSync(file, JSON.stringify(doc, null, 2) + '\n')
}

beforeAll(async () => {
  t = await cliLab()
  h = t.hosts
  await cleanupDataDirs(h, [`${foreign}/data`, foreign, g1, g2, base, stale, junk, `${base}-link`])
  expect((await cli('cluster', 'create', 'g', '--member', 'g1', '--host', 'h1', '--pgdata', g1)).code).toBe(0)
  const added = await cli('replica', 'add', 'g', 'g2', '--host', 'h2', '--pgdata', g2)
  expect(added.err).toBe('')
  expect(added.code).toBe(0)
}, 120_000)

afterAll(async () => {
  await cleanupDataDirs(h, [`${foreign}/data`, foreign, g1, g2, base, stale, junk, `${base}-link`])
  console.log(`[data-dir guard lab] ${((performance.now() - t0) / 1000).toFixed(1)} s`)
})

describe('the data-dir guard, as the CLI meets it', () => {
  it('refuses --overwrite of a dir that contains the running primary (the reported bug); nothing there is touched', async () => {
    const c = await canary(h[0]!, base)
    const r = await cli('replica', 'add', 'g', 'x1', '--host', 'h1', '--port', '5433', '--pgdata', base, '--overwrite')
    expect(r.code).toBe(1)
    expect(r.err).toContain(`will not empty ${base} on h1: it contains the data directory of another member on this host (${g1}). Nothing was deleted. Pick a data directory`)
    expect(await c.alive()).toBe(true)
    await clusterIntact()
    await abandonLast()
  }, 60_000)

  it.each([
    ['/', 'is a system directory'],
    [home, "is a system directory"],
    [`${base}-link`, 'symbolic link'],
    [`${g1}/sub`, `lies inside the data directory of another member on this host (${g1})`],
  ])('refuses %s with --overwrite: %s', async (target, why) => {
    if (target.endsWith('-link')) await execOk(h[0]!.name, ['ln', '-sfn', g1, target], { user: 'postgres' })
    const c = await canary(h[0]!, base)
    const r = await cli('replica', 'add', 'g', 'x2', '--host', 'h1', '--port', '5433', '--pgdata', target, '--overwrite')
    expect(r.code).toBe(1)
    expect(r.err).toContain(`on h1: `)
    expect(r.err).toContain(why)
    expect(await c.alive()).toBe(true)
    expect(await exists(h[0]!, '/etc/hostname')).toBe(true)
    await clusterIntact()
    await abandonLast()
  }, 60_000)

  it('refuses the data dir of a server ReplicaDesk does not know, and any dir around it', async () => {
    await execOk(h[2]!.name, [`${bin}/initdb`, '-D', `${foreign}/data`, '-A', 'peer', '--no-sync'], { user: 'postgres' })
    await execOk(h[2]!.name, [`${bin}/pg_ctl`, '-D', `${foreign}/data`, '-o', '-p 5440 -c listen_addresses=', '-l', `${foreign}/log`, '-w', 'start'], { user: 'postgres' })
    const c = await canary(h[2]!, foreign)
    for (const [target, why] of [
      [foreign, `on h3: it contains the data directory of a running PostgreSQL server (${foreign}/data)`],
      [`${foreign}/data`, `runs on ${foreign}/data on h3. Pick another data directory`],
    ] as const) {
      const r = await cli('replica', 'add', 'g', 'x3', '--host', 'h3', '--pgdata', target, '--port', '5441', '--overwrite')
      expect(r.code).toBe(1)
      expect(r.err).toContain(why)
      await abandonLast()
    }
    expect(await c.alive()).toBe(true)
    expect(await t.psql(h[2]!, 5440, 'select 1')).toBe('1')
  }, 60_000)

  it('overwrites a stale copy of this cluster on plain --overwrite; the plan says what goes and how much', async () => {
    await execOk(h[0]!.name, [`${bin}/pg_basebackup`, '-h', '/var/run/postgresql', '-D', stale, '-X', 'none', '--no-sync'], { user: 'postgres' })
    const c = await canary(h[0]!, stale)
    const plan = await cli('replica', 'add', 'g', 'g3', '--host', 'h1', '--port', '5434', '--pgdata', stale, '--overwrite', '--dry-run')
    expect(plan.out).toMatch(new RegExp(`DELETES everything in ${stale} on h1: [0-9.]+M on disk, a stale copy of cluster`))
    const r = await cli('replica', 'add', 'g', 'g3', '--host', 'h1', '--port', '5434', '--pgdata', stale, '--overwrite')
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    expect(await c.alive()).toBe(false)
    expect(await t.psql(h[0]!, 5434, 'select pg_is_in_recovery()')).toBe('t')
  }, 60_000)

  it('asks twice for an unrelated dir: --overwrite alone is refused with its size; killed during the copy, resume re-checks on the server', async () => {
    await execOk(h[2]!.name, ['sh', '-c', 'mkdir -p "$1" && head -c 2097152 /dev/urandom > "$1/blob"', 'sh', junk], { user: 'postgres' })
    const c = await canary(h[2]!, junk)
    const add = ['replica', 'add', 'g', 'g4', '--host', 'h3', '--pgdata', junk, '--overwrite']
    const plan = await cli(...add, '--dry-run')
    expect(plan.out).toMatch(new RegExp(`DELETES everything in ${junk} on h3: 2\\.[0-9]M on disk, not a PostgreSQL data directory of cluster g\\. Needs the second confirmation --overwrite-unrelated`))
    const once = await cli(...add)
    expect(once.code).toBe(1)
    expect(once.err).toMatch(/on --overwrite alone: it holds 2\.[0-9]M on disk.*run again with --overwrite --overwrite-unrelated/)
    expect(await c.alive()).toBe(true)
    await abandonLast()

    const killed = t.cliProcess('during:base-backup', ...add, '--overwrite-unrelated')
    expect(killed.signal ?? `exit ${killed.status}: ${killed.stderr}${killed.stdout}`).toBe('SIGKILL')
    expect(await c.alive()).toBe(false) // confirmed twice: it went
    const ops = JSON.parse((await cli('operation', 'list', '--cluster', 'g', '--json')).out) as { id: string; status: string }[]
    const id = ops.find((o) => o.status === 'interrupted')!.id
    // The server changes before the resume: a data dir appears inside the target. The step asks again.
    await execOk(h[2]!.name, ['sh', '-c', 'mkdir -p "$1/global" && : > "$1/global/pg_control"', 'sh', `${junk}/inner`], { user: 'postgres' })
    const refused = await cli('operation', 'resume', id)
    expect(refused.code).toBe(1)
    expect(refused.err).toContain(`will not empty ${junk} on h3: it contains another PostgreSQL data directory (${junk}/inner)`)
    expect(await exists(h[2]!, `${junk}/inner/global/pg_control`)).toBe(true)
    await execOk(h[2]!.name, ['rm', '-rf', `${junk}/inner`], { user: 'postgres' })
    const resumed = await cli('operation', 'resume', id)
    expect(resumed.err).toBe('')
    expect(resumed.code).toBe(0)
    expect(await t.psql(h[2]!, 5432, 'select pg_is_in_recovery()')).toBe('t')
  }, 120_000)

  it('rejoin --rebuild and remove --delete-data refuse a data dir that became a parent of another member\'s', async () => {
    editRecord((ms) => [...ms, { ...ms.find((m) => m.name === 'g2')!, name: 'g9', port: 5439, dataDir: `${g2}/inner-g9` }])
    const c = await canary(h[1]!, `${g2}/inner-g9`)
    const why = `it contains the data directory of another member on this host (${g2}/inner-g9)`
    const rebuild = await cli('rejoin', 'g', 'g2', '--rebuild', '--yes')
    expect(rebuild.code).toBe(1)
    expect(rebuild.err).toContain(`will not empty ${g2} on h2: ${why}`)
    await abandonLast()
    const remove = await cli('replica', 'remove', 'g', 'g2', '--delete-data')
    expect(remove.code).toBe(1)
    expect(remove.err).toContain(`will not delete ${g2} on h2: ${why}`)
    await abandonLast()
    editRecord((ms) => ms.filter((m) => m.name !== 'g9'))
    await execOk(h[1]!.name, ['rm', '-rf', `${g2}/inner-g9`], { user: 'postgres' })
    expect(await c.alive()).toBe(false) // removed by the test itself, after the checks below passed
    await clusterIntact()
  }, 60_000)

  it('the step scripts refuse on their own on the server when the pre-flight is bypassed, even under a claim of their own', async () => {
    const c = await canary(h[0]!, base)
    const key = claimKey(base)
    await execOk(h[0]!.name, ['sh', '-c', 'mkdir -p "$HOME/.replicadesk/claims" && printf "operation=op-x\\nmember=x\\ndatadir=%s\\nmade=yes\\n" "$2" > "$HOME/.replicadesk/claims/$1"', 'sh', key, base], { user: 'postgres' })
    const calls = [
      asPg(h[0]!, CLAIMED_FRESH, key, 'op-x', base, `${bin}/pg_controldata`, 'any', '', 'true'),
      asPg(h[0]!, UNCLAIM, key, 'op-x', base, ''),
      asPg(h[0]!, REJOIN_REBUILD, base, key, 'op-x', `${bin}/pg_controldata`, '0', '', 'true'),
      asPg(h[0]!, DELETE, base, key, ''),
      asPg(h[0]!, GUARDED_EXEC, base, '', 'true'),
    ]
    for (const r of await Promise.all(calls)) {
      expect(r.code).toBe(4)
      expect(r.stderr).toContain(`refuse running-above ${g1}`)
    }
    expect(await c.alive()).toBe(true)
    await execOk(h[0]!.name, ['sh', '-c', 'rm -f "$HOME/.replicadesk/claims/$1"', 'sh', key], { user: 'postgres' })
    await clusterIntact()
  }, 60_000)
})
