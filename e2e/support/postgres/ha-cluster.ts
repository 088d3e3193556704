// A three-member cluster in the lab for the role-change tests (test code): made with the
// engine's own operations (create on host1, add on host2 and host3), plain data dirs as
// postgres or Debian-style clusters through sudo, synchronous (ANY 1 of the standbys) or not.
import { expect } from 'vitest'
import { createDebianCluster } from '../../lab'
import { describeReport, setupProbe, WriteProbe } from '../../probe'
import type { PgCluster, PgClusterInput, PgMemberInput } from '../../../electron/core/engines/postgres/model'
import { cleanupMembers, makeWorld, type World } from './lab-world'

export interface HaOptions {
  id: string
  layout: 'plain' | 'debian'
  sync: boolean
  port?: number
}

export const HA_HOSTS = ['host1', 'host2', 'host3'] as const

export async function haWorld(o: HaOptions): Promise<World> {
  const login = o.layout === 'debian' ? 'admin' : 'postgres'
  return makeWorld(Object.fromEntries(HA_HOSTS.map((h) => [h, login])), o.layout === 'debian' ? { leaseSudo: 'postgres' } : {})
}

export function haCluster(w: World, o: HaOptions): PgCluster {
  const port = o.port ?? (o.layout === 'debian' ? 5433 : 5432)
  const member = (i: number): PgMemberInput => ({
    name: `${o.id}${i}`.replace(/[^a-z0-9_-]/g, ''),
    host: HA_HOSTS[i - 1]!,
    address: w.host(HA_HOSTS[i - 1]!).address,
    port,
    dataDir: o.layout === 'debian' ? `/srv/pg/${o.id}${i}` : `/var/lib/postgresql/ha/${o.id}${i}`,
    layout: o.layout,
    debianName: 'ha',
    access: o.layout === 'debian' ? 'sudo' : 'postgres',
    sync: o.sync,
    priority: 100 + i,
  })
  const input: PgClusterInput = { id: o.id, major: w.lab.pgVersion, members: [member(1), member(2), member(3)] }
  return w.engine.parseCluster(input)
}

/** Makes the cluster: primary on host1 (initialised, or adopted for Debian), replicas on host2 and host3. */
export async function buildHaCluster(w: World, c: PgCluster): Promise<void> {
  await cleanupMembers(w, c.members)
  const [m1, m2, m3] = c.members as [PgCluster['members'][0], PgCluster['members'][0], PgCluster['members'][0]]
  const debian = m1.layout === 'debian'
  if (debian) {
    for (const h of HA_HOSTS) await w.asRoot(h, ['install', '-d', '-o', 'postgres', '-g', 'postgres', '-m', '755', '/srv/pg'])
    await createDebianCluster('host1', { name: m1.debianName, port: m1.port, dataDir: m1.dataDir, start: true })
  }
  const only = (names: string[]) => w.engine.parseCluster({ ...c, members: c.members.filter((m) => names.includes(m.name)) })
  const created = await w.run(w.engine.createCluster({ cluster: only([m1.name]), primary: m1.name, mode: debian ? 'adopt' : 'init' }))
  expect(created.summary.error).toBeUndefined()
  for (const names of [[m1.name, m2.name], [m1.name, m2.name, m3.name]]) {
    const added = await w.run(w.engine.addReplica({ cluster: only(names), member: names.at(-1)! }))
    expect(added.summary.error).toBeUndefined()
  }
}

/** psql as postgres on the member's host; one value per line. */
export const sqlOn = (w: World, c: PgCluster, name: string, sql: string) => {
  const m = c.members.find((x) => x.name === name)!
  return w.psql(m.host, m.port, sql)
}

/** Who is writable and whom each standby streams from, read on the servers. */
export async function roles(w: World, c: PgCluster): Promise<{ primary: string[]; streaming: string[] }> {
  const answers = await Promise.all(
    c.members.map(async (m) => {
      const r = await w.tryRoot(m.host, ['/usr/lib/postgresql/15/bin/psql', '-X', '-At', '-h', '/var/run/postgresql', '-p', String(m.port), '-d', 'postgres', '-c', "SELECT NOT pg_is_in_recovery() AND NOT current_setting('transaction_read_only')::bool, (SELECT coalesce(string_agg(application_name, ',' ORDER BY application_name), '') FROM pg_stat_replication WHERE state = 'streaming')"], 'postgres').catch(() => ({ code: -1, stdout: '' })) // a killed host
      return { name: m.name, ok: r.code === 0, out: r.stdout.trim() }
    }),
  )
  const primaries = answers.filter((a) => a.ok && a.out.startsWith('t|'))
  return { primary: primaries.map((a) => a.name), streaming: primaries.length === 1 ? primaries[0]!.out.slice(2).split(',').filter(Boolean) : [] }
}

export async function dropHaCluster(w: World, c: PgCluster): Promise<void> {
  await cleanupMembers(w, c.members)
  await Promise.all(HA_HOSTS.map((h) => w.tryRoot(h, ['rm', '-rf', '/var/lib/postgresql/ha'])))
}

/** Repetitions of a role-change scenario: once in `npm test`, ROLE_ROUNDS (default 5) in the soak. */
export const rounds = () => (process.env.SOAK ? Number(process.env.ROLE_ROUNDS ?? 5) : 1)

/** The write probe on every member of the cluster (access set up on the current primary). */
export async function startProbe(c: PgCluster, primary: string) {
  const access = await setupProbe({ members: c.members.map((m) => ({ name: m.name, host: m.host, address: m.address, port: m.port })), primary })
  const probe = await WriteProbe.start({ members: access.members, password: access.password, writeTimeoutMs: 3000 })
  return {
    probe,
    /** Stops the probe and checks the rules on the final primary; returns the report. */
    async finish(finalPrimary: string) {
      await probe.stop()
      const r = await probe.verify(finalPrimary)
      expect(r.lost, describeReport(r)).toEqual([])
      expect(r.phantom, describeReport(r)).toEqual([])
      expect(r.overlaps, describeReport(r)).toEqual([])
      expect(r.splits, describeReport(r)).toEqual([])
      expect(r.acknowledged).toBeGreaterThan(0)
      return r
    },
    teardown: () => access.teardown(),
  }
}
