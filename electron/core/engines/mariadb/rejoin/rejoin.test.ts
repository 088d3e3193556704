// Rejoin, the parts that need no server: which steps each path runs, that a plan reads nothing
// and shows the guard before a rebuild, the params' defaults, and the plan's sentences.
import { describe, expect, it } from 'vitest'
import type { HostExec, HostPipe } from '../../host-exec'
import { parseCluster } from '../model'
import { buildRejoin, rejoinParams, rejoinSummary } from './index'

const cluster = parseCluster({
  engine: 'mariadb',
  id: 'mc',
  fenced: ['m2'],
  members: [
    { name: 'm1', host: 'h1', address: '10.0.0.1', port: 3310, dataDir: '/srv/mdb/m1', serverId: 1 },
    { name: 'm2', host: 'h2', address: '10.0.0.2', port: 3310, dataDir: '/srv/mdb/m2', serverId: 2 },
  ],
})
/** A plan must not touch a host. */
const noHosts: HostExec & HostPipe = { exec: () => Promise.reject(new Error('a plan runs nothing')), pipe: () => Promise.reject(new Error('a plan copies nothing')) }
const plan = async (rebuild: boolean) => {
  const p = rejoinParams.parse({ cluster, member: 'm2', rebuild })
  const steps = buildRejoin(noHosts, p)
  const ctx = { clusterId: 'mc', params: p, remote: { run: () => Promise.reject(new Error('no')) } }
  return { steps, commands: (await Promise.all(steps.map((s) => s.plan(ctx)))).flat() }
}

describe('rejoin', () => {
  it('follows by default; a rebuild reuses the copy steps of add-replica', async () => {
    expect((await plan(false)).steps.map((s) => s.id)).toEqual(['preflight', 'follow', 'caught-up', 'unfence'])
    expect((await plan(true)).steps.map((s) => s.id)).toEqual(['preflight', 'stop', 'prepare', 'copy', 'prepare-backup', 'unfence', 'start', 'replicate', 'caught-up'])
    expect(rejoinParams.parse({ cluster, member: 'm2' })).toMatchObject({ rebuild: false, knownDataDirs: [], catchUpTimeoutMs: 300_000 })
    expect(() => rejoinParams.parse({ cluster, member: 'm9' })).toThrow(/no member named m9/)
  })

  it('plans without reading: read_only before CHANGE MASTER … slave_pos; the guard on the member before a rebuild', async () => {
    const follow = (await plan(false)).commands.map((c) => c.argv.join(' '))
    const ro = follow.findIndex((a) => a.includes('read_only'))
    const cm = follow.findIndex((a) => a.includes('CHANGE MASTER'))
    expect(ro).toBeGreaterThanOrEqual(0)
    expect(cm).toBeGreaterThan(ro)
    expect(follow[cm]).toContain('MASTER_USE_GTID = slave_pos')
    expect(follow[cm]).toContain('SET GLOBAL gtid_slave_pos = @@GLOBAL.gtid_current_pos')
    const rebuild = (await plan(true)).commands
    expect(rebuild.find((c) => c.host === 'h2' && c.argv.includes('check-own'))?.argv).toContain('/srv/mdb/m2')
  })

  it('says what happens to the data', () => {
    const follow = rejoinSummary(rejoinParams.parse({ cluster, member: 'm2' })).join(' ')
    expect(follow).toMatch(/m2 on h2 follows the primary again by GTID/)
    expect(follow).toMatch(/Its fence is removed once it follows/)
    expect(follow).toMatch(/refuses and lists them/)
    const rebuild = rejoinSummary(rejoinParams.parse({ cluster, member: 'm2', rebuild: true })).join(' ')
    expect(rebuild).toMatch(/datadir \/srv\/mdb\/m2 emptied \(you confirmed it/)
    expect(rebuild).toMatch(/data-dir guard runs on the server in the pre-flight and again/)
  })
})
