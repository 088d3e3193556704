// The two ways into a cluster not covered by the main suites: initialise a Debian-style
// cluster through sudo (pg_createcluster with checksums, under root's /srv), and adopt a plain
// data dir someone started with pg_ctl (the adopt raises its settings and restarts it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initDataDir } from '../../../../e2e/lab'
import { HBA_BEGIN, trustLines } from './hba'
import { cleanupMembers, makeWorld, type World } from '../../../../e2e/support/postgres/lab-world'

let w: World // admin login on host3 (lease through sudo -u postgres)
let wp: World // postgres login on host2
const debianMember = () => ({ name: 'solo', host: 'host3', address: w.host('host3').address, port: 5435, dataDir: '/srv/pg/solo', layout: 'debian' as const, debianName: 'solo', access: 'sudo' as const })
const plainMember = () => ({ name: 'old', host: 'host2', address: w.host('host2').address, port: 5436, dataDir: '/var/lib/postgresql/rd-adopt/old', access: 'postgres' as const, logFile: '/var/lib/postgresql/rd-adopt/old.log' })

beforeAll(async () => {
  w = await makeWorld({ host3: 'admin' }, { leaseSudo: 'postgres' })
  wp = await makeWorld({ host2: 'postgres' })
})
afterAll(async () => {
  if (!w) return
  await cleanupMembers(w, w.engine.parseCluster({ id: 'x', major: '15', members: [debianMember()] }).members)
  await cleanupMembers(w, w.engine.parseCluster({ id: 'y', major: '15', members: [plainMember()] }).members)
  await w.asRoot('host2', ['rm', '-rf', '/var/lib/postgresql/rd-adopt'])
  await Promise.all([w.close(), wp?.close()])
})

describe('creating a cluster', () => {
  it('initialises a Debian cluster as an admin through sudo: checksums, settings, access', async () => {
    const cluster = w.engine.parseCluster({ id: 'solo', major: '15', members: [debianMember()] })
    const { summary } = await w.run(w.engine.createCluster({ cluster, primary: 'solo', mode: 'init' }))
    expect(summary.error?.message).toBeUndefined()
    expect(summary.steps.map((s) => `${s.id}:${s.status}`)).toEqual(['preflight:done', 'init:done', 'start:done', 'access:done'])
    expect(await w.asRoot('host3', ['pg_lsclusters', '-h'])).toMatch(/15 solo 5435 online postgres \/srv\/pg\/solo/)
    expect(await w.psql('host3', 5435, "SELECT current_setting('data_checksums') || ' ' || current_setting('wal_level') || ' ' || current_setting('listen_addresses')")).toBe(`on replica localhost,${w.host('host3').address}`)
    const hba = await w.asRoot('host3', ['cat', '/etc/postgresql/15/solo/pg_hba.conf'])
    expect(hba.startsWith(HBA_BEGIN)).toBe(true)
    expect(trustLines(hba)).toEqual([])
    expect(await w.psql('host3', 5435, "SELECT pg_has_role('rdadmin', 'pg_monitor', 'MEMBER')")).toBe('t')
    // Creating it again is refused before anything is touched: it exists, adopt it instead.
    const again = await w.run(w.engine.createCluster({ cluster, primary: 'solo', mode: 'init' }))
    expect(again.summary.steps.map((s) => `${s.id}:${s.status}`)).toEqual(['preflight:failed', 'init:pending', 'start:pending', 'access:pending'])
    expect(again.summary.error?.message).toContain('adopt it')
    // Adopting it finds everything in place.
    const adopted = await w.run(w.engine.createCluster({ cluster, primary: 'solo', mode: 'adopt' }))
    expect(adopted.summary.steps.map((s) => `${s.id}:${s.status}`)).toEqual(['preflight:done', 'settings:skipped', 'restart:skipped', 'access:skipped'])
  }, 120_000)

  it('adopts a plain data dir started with pg_ctl: raises its settings, restarts it, sets up access', async () => {
    const m = plainMember()
    await wp.asRoot('host2', ['mkdir', '-p', '/var/lib/postgresql/rd-adopt'], 'postgres')
    await initDataDir('host2', m.dataDir)
    await wp.asRoot('host2', ['/usr/lib/postgresql/15/bin/pg_ctl', '-D', m.dataDir, '-l', m.logFile, '-o', `-p ${m.port}`, '-w', 'start'], 'postgres')
    const cluster = wp.engine.parseCluster({ id: 'old', major: '15', members: [m] })
    const plan = await wp.ops.plan(wp.engine.createCluster({ cluster, primary: 'old', mode: 'adopt' }))
    expect(plan.steps.find((s) => s.id === 'restart')!.commands[0]!.argv.join(' ')).toContain('restart')
    const { summary } = await wp.run(wp.engine.createCluster({ cluster, primary: 'old', mode: 'adopt' }))
    expect(summary.error?.message).toBeUndefined()
    expect(summary.steps.map((s) => `${s.id}:${s.status}`)).toEqual(['preflight:done', 'settings:done', 'restart:done', 'access:done'])
    expect(await wp.psql('host2', m.port, "SELECT current_setting('wal_log_hints') || ' ' || current_setting('wal_keep_size') || ' ' || current_setting('listen_addresses')")).toBe(`on 1GB localhost,${wp.host('host2').address}`)
    expect(await wp.psql('host2', m.port, "SELECT count(*) FROM pg_settings WHERE pending_restart")).toBe('0')
    expect(await wp.psql('host2', m.port, "SELECT rolreplication FROM pg_roles WHERE rolname = 'replicadesk'")).toBe('t')
  }, 120_000)
})
