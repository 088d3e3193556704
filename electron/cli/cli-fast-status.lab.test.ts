// The thin `replicadesk status` path (fast-status.ts) against a running instance that watches a
// lab cluster (a primary and two standbys made by hand, recorded as `cluster adopt` would): it
// prints byte for byte what the full CLI prints, JSON and table, in-process and as the command
// (bin.ts); and it leaves everything else to the full CLI: no instance, a stale or foreign
// instance file, other commands, --watch, an error reply, a split brain.
import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readLab, requireNetns, type Lab } from '../../e2e/lab'
import { pgCluster } from '../../shared/postgres'
import { ClustersStore } from '../core/clusters/clusters-store'
import { createCore, type Core } from '../core/core'
import { makeLabCluster, type LabCluster } from '../../e2e/support/status/lab-cluster'
import { startServer, type RunningServer } from '../server/server'
import { removeInstanceFile, writeInstanceFile, type InstanceInfo } from '../server/instance-file'
import { fastStatus } from './fast-status'
import { runCli } from './main'

const CLUSTER = 'quick'
const lab: Lab = readLab()
const netns = lab.mode === 'netns'
let c: LabCluster
let dataDir: string
let core: Core
let server: RunningServer
let instance: InstanceInfo

interface Printed {
  code: number | undefined
  out: string
  err: string
}

/** The full CLI, in this process (it asks the instance, as a separate process would). */
async function full(...argv: string[]): Promise<Printed> {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli([...argv, '--data-dir', dataDir], { out: (t) => out.push(t), err: (t) => err.push(t) })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

/** The thin path alone: code undefined means "run the full CLI", and then nothing may be printed. */
async function thin(argv: string[], dir = dataDir): Promise<Printed> {
  const out: string[] = []
  const code = await fastStatus([...argv, '--data-dir', dir], { out: (t) => out.push(t) })
  return { code, out: out.join('\n'), err: '' }
}

/** The command as a user runs it (from source: tsx). */
function command(...argv: string[]): Promise<Printed> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'electron/cli/bin.ts', ...argv, '--data-dir', dataDir], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, out: stdout.replace(/\n$/, ''), err: stderr.replace(/\n$/, '') })
    })
  })
}

/**
 * `take` between two full-CLI reads of the same command; equal reads mean no tick changed the
 * instance's snapshot in between, so `take` must print exactly that. Retried a few times.
 */
async function sameAsFull(argv: string[], take: () => Promise<Printed>): Promise<Printed> {
  for (let attempt = 0; attempt < 6; attempt++) {
    const before = await full(...argv)
    const got = await take()
    const after = await full(...argv)
    if (before.out === after.out) {
      expect(got).toEqual({ ...before, err: got.err })
      return got
    }
  }
  throw new Error(`the status changed under every one of 6 attempts: ${argv.join(' ')}`)
}

/** Normalises what changes every tick, for reads that span more than one. */
const steady = (json: string) => JSON.stringify({ ...JSON.parse(json), at: null, seq: null })

describe.skipIf(!netns)('replicadesk status through a running instance: the thin path', () => {
  beforeAll(async () => {
    c = await makeLabCluster({ id: CLUSTER, port: 5473, hosts: ['host1', 'host2', 'host3'], names: ['q1', 'q2', 'q3'], base: '/var/lib/postgresql/rdfast-cli', logins: { host1: 'admin' } })
    const dir = mkdtempSync(join(tmpdir(), 'rd-cli-fast-'))
    dataDir = join(dir, 'data')
    process.env.REPLICADESK_KNOWN_HOSTS = lab.knownHostsPath
    process.env.REPLICADESK_SSH_CONFIG = join(dir, 'no-config')
    delete process.env.SSH_AUTH_SOCK
    delete process.env.REPLICADESK_DATA_DIR
    const members = c.input().members
    for (const [i, m] of members.entries()) {
      const r = await full('host', 'add', `h${i + 1}`, '--address', m.target.address, '--user', m.target.user!, '--identity-file', lab.clientKeyPath)
      expect(r.code, r.err).toBe(0)
    }
    const record = pgCluster.parse({
      id: CLUSTER,
      major: '15',
      members: members.map((m, i) => ({ name: m.name, host: `h${i + 1}`, address: m.address, port: m.port, dataDir: c.dataDir, socketDir: '/run/postgresql', access: m.target.user === 'postgres' ? 'postgres' : 'sudo' })),
    })
    await new ClustersStore(dataDir).update(CLUSTER, () => record)
    // the instance, as electron/server/main.ts starts it
    core = await createCore({ dataDir, live: true })
    server = await startServer({ core, port: 0 })
    instance = { pid: process.pid, wsUrl: server.wsUrl, token: server.token, kind: 'headless', startedAt: new Date().toISOString() }
    await writeInstanceFile(dataDir, instance)
    const deadline = Date.now() + 20_000
    const states = async () => JSON.parse((await full('status', CLUSTER, '--json')).out).members.map((m: { state: string }) => m.state).join()
    while ((await states()) !== 'up,up,up' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
  })

  afterAll(async () => {
    if (dataDir) await removeInstanceFile(dataDir)
    await server?.close()
    await core?.close()
    await c?.teardown()
  })

  it('prints the same JSON as the full CLI, from the instance', async () => {
    const got = await sameAsFull(['status', CLUSTER, '--json'], () => thin(['status', CLUSTER, '--json']))
    expect(got.code).toBe(0)
    const s = JSON.parse(got.out)
    expect(s).toMatchObject({ cluster: CLUSTER, primary: 'q1', splitBrain: null })
    expect(s.members.map((m: { name: string; role: string }) => `${m.name}:${m.role}`)).toEqual(['q1:primary', 'q2:standby', 'q3:standby'])
  })

  it('prints the same table as the full CLI', async () => {
    const got = await sameAsFull(['status', CLUSTER], () => thin(['status', CLUSTER]))
    expect(got.code).toBe(0)
    expect(got.out).toMatch(/q3\s+h3:5473\s+standby\s+up/)
  })

  it('is what the command runs: the same output and exit code as the full CLI', async () => {
    // The command takes a second or so from source: compared without the per-tick fields, between
    // two full reads that agree (the instance may record the last primary's position meanwhile).
    const argv = ['status', CLUSTER, '--json']
    for (let attempt = 0; attempt < 6; attempt++) {
      const before = await full(...argv)
      const cmd = await command(...argv)
      const after = await full(...argv)
      if (steady(before.out) !== steady(after.out)) continue
      expect({ ...cmd, out: steady(cmd.out) }).toEqual({ ...before, out: steady(before.out) })
      return
    }
    throw new Error(`the status changed under every one of 6 attempts: ${argv.join(' ')}`)
  })

  it('leaves other command lines, other data dirs and error replies to the full CLI, printing nothing', async () => {
    for (const argv of [['status', CLUSTER, '--watch'], ['cluster', 'list', '--json'], ['status', '--cluster', CLUSTER], ['status', 'nope', '--json'], ['status', 'Not A Name']]) {
      expect(await thin(argv), argv.join(' ')).toEqual({ code: undefined, out: '', err: '' })
    }
    // the error reply, through the command: the full CLI's words and exit code
    const nope = await command('status', 'nope', '--json')
    expect(nope).toEqual(await full('status', 'nope', '--json'))
    expect(nope.code).toBe(1)
    expect(JSON.parse(nope.out).error.code).toBe('not_found')

    const other = mkdtempSync(join(tmpdir(), 'rd-cli-fast-other-'))
    const file = join(other, 'instance.json')
    expect(await thin(['status', CLUSTER], other)).toEqual({ code: undefined, out: '', err: '' }) // no instance
    writeFileSync(file, JSON.stringify({ ...instance, token: 'x'.repeat(40) }))
    expect(await thin(['status', CLUSTER], other)).toEqual({ code: undefined, out: '', err: '' }) // refused: wrong token
    writeFileSync(file, JSON.stringify({ ...instance, pid: 2 ** 22 + 1 }))
    expect(await thin(['status', CLUSTER], other)).toEqual({ code: undefined, out: '', err: '' }) // a dead instance's leftover
    writeFileSync(file, JSON.stringify({ ...instance, kind: 'other' }))
    expect(await thin(['status', CLUSTER], other)).toEqual({ code: undefined, out: '', err: '' }) // not an instance file
  })

  it('leaves a split brain to the full CLI: the banner and exit 4', async () => {
    await c.run('q3', [`${lab.pgBin}/pg_ctl`, '-D', c.dataDir, '-w', 'promote'])
    await expect.poll(async () => JSON.parse((await full('status', CLUSTER, '--json')).out).splitBrain?.members, { timeout: 10_000 }).toEqual(['q1', 'q3'])
    expect(await thin(['status', CLUSTER, '--json'])).toEqual({ code: undefined, out: '', err: '' })
    const cmd = await command('status', CLUSTER)
    expect(cmd.code).toBe(4)
    expect(cmd.err).toMatch(/^SPLIT BRAIN: q1 and q3 both accept writes/)
    expect(cmd.out).toMatch(/^Cluster quick: primary none/)
  })
})

// Only where there are no network namespaces: says NOT RUN (and fails in CI) instead of passing.
if (!netns) {
  describe('replicadesk status, thin path', () => {
    it('needs network namespaces', () => {
      requireNetns('three hosts with their own PostgreSQL need network namespaces')
    })
  })
}
