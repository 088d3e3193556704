// MariaDB through the same verbs as PostgreSQL, end to end against the lab, as a user runs
// them (hosts reached by the admin login rdadmin): detect, create a primary, add a semi-sync
// replica, status and the health verdict in MariaDB's words, semi-sync through the redundancy
// settings (on, strict, a member's own flag), a switchover there and back, automatic failover
// refused, remove the replica with its datadir.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exec, type LabHost } from '../../e2e/lab'
import { cliLab, type CliLab } from '../../e2e/support/cli/cli-lab'
import { mariadbSql } from '../../e2e/support/mariadb/lab'

let t: CliLab
let hosts: LabHost[]
const SOCKET = '/run/mysqld/rd-3310.sock'
const dirOf = (name: string) => `/srv/mdb/${name}`
const cli = (...argv: string[]) => t.cli(...argv)
const sql = (host: LabHost, text: string) => mariadbSql(t.lab, host, text, { socket: SOCKET })
const json = async (...argv: string[]) => {
  const r = await cli(...argv, '--json')
  expect(r.err).toBe('')
  return JSON.parse(r.out)
}

/** Stops this test's servers (datadirs under /srv/mdb on each host) and removes them with ReplicaDesk's files. */
const CLEANUP = String.raw`ns=$(readlink /proc/self/ns/mnt)
for c in /proc/[0-9]*/comm; do
  read -r n < "$c" 2>/dev/null || continue; p=${'$'}{c%/comm}
  [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$ns" ] || continue
  case $n in mariadbd) case $(readlink "$p/cwd" 2>/dev/null) in /srv/mdb/*) kill -KILL "${'$'}{p#/proc/}" ;; esac ;; mbstream|mariadb-backup) kill -KILL "${'$'}{p#/proc/}" ;; esac
done
sleep 0.3
rm -rf /srv/mdb /etc/mysql/replicadesk /var/lib/replicadesk/leases /run/mysqld/rd-3310.sock /run/mysqld/rd-3310.sock.lock
exit 0`
const cleanup = () => Promise.all(hosts.map((h) => exec(h.name, ['sh', '-c', CLEANUP, 'sh'])))

beforeAll(async () => {
  t = await cliLab({ user: 'rdadmin' })
  hosts = t.hosts
  await cleanup()
}, 120_000)

afterAll(async () => {
  if (hosts) await cleanup()
})

describe('replicadesk with a MariaDB cluster, against the lab', () => {
  it('creates a primary (plain layout) after a dry run, and detect finds it', async () => {
    const create = ['cluster', 'create', 'shop', '--engine', 'mariadb', '--member', 'm1', '--host', 'h1', '--datadir', dirOf('m1'), '--port', '3310', '--semi-sync']
    const plan = await json(...create, '--dry-run')
    expect(plan.plan.steps.map((s: { id: string }) => s.id)).toEqual(['preflight', 'init', 'start', 'access'])
    expect(JSON.stringify(plan.plan.steps)).toMatch(/mariadb-install-db/)
    const created = await cli(...create)
    expect(created.err).toBe('')
    expect(created.code).toBe(0)
    expect(await json('cluster', 'list')).toMatchObject([{ engine: 'mariadb', id: 'shop', semiSync: { enabled: true }, members: [{ name: 'm1', host: 'h1', port: 3310, serverId: 1 }] }])
    const found = await json('cluster', 'detect', 'h1', '--engine', 'mariadb')
    expect(found.instances).toContainEqual(expect.objectContaining({ port: 3310, dataDir: dirOf('m1'), role: 'primary', serverId: 1, logBin: true, binlogFormat: 'ROW', gtidStrictMode: true }))
    // A PostgreSQL flag is refused by name for a MariaDB cluster, before anything runs.
    const wrong = await cli('replica', 'add', 'shop', 'm9', '--host', 'h2', '--pgdata', dirOf('m9'))
    expect(wrong.code).not.toBe(0)
    expect(wrong.err).toMatch(/--pgdata is PostgreSQL's data directory; a MariaDB member takes --datadir/)
  }, 120_000)

  it('adds a semi-sync replica with progress; status and the verdict speak MariaDB', async () => {
    await sql(hosts[0]!, 'CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY); INSERT INTO app.t SELECT seq FROM app.seq_1_to_1000')
    const added = await cli('replica', 'add', 'shop', 'm2', '--host', 'h2', '--datadir', dirOf('m2'), '--port', '3310', '--sync')
    expect(added.err).toBe('')
    expect(added.code).toBe(0)
    expect(added.progress).toMatch(/copy/)
    expect(await sql(hosts[1]!, 'SELECT COUNT(*) FROM app.t')).toBe('1000')
    // The primary is asynchronous until a commit is acknowledged after the replica connected (nothing was pending): one write.
    await sql(hosts[0]!, 'INSERT INTO app.t VALUES (1001)')
    await expect.poll(async () => (await json('status', 'shop')).members.map((m: { name: string; role: string; gtid?: { ioRunning: string; semiSync: string } }) => `${m.name}:${m.role}:${m.gtid?.ioRunning ?? '-'}:${m.gtid?.semiSync}`), { timeout: 15_000 }).toEqual(['m1:primary:-:on', 'm2:standby:Yes:on'])
    await expect.poll(async () => (await json('status', 'shop')).members[1].gtid.behindTransactions, { timeout: 10_000 }).toBe(0)
    const status = await json('status', 'shop')
    expect(status).toMatchObject({ cluster: 'shop', primary: 'm1', splitBrain: null })
    expect(status.members[1]).toMatchObject({ state: 'up', writable: false, gtid: { sqlRunning: 'Yes', behindTransactions: 0, readOnly: true } })
    expect((await cli('status', 'shop')).out).toMatch(/m2\s+h2:3310\s+standby\s+up\s+0-1-\d+\s+Yes\/Yes/)
    const verdict = await json('health', 'shop')
    expect(verdict.noLoss).toMatchObject({ failures: 1 })
    expect(verdict.noLoss.why).toMatch(/semi-sync: every acknowledged write is on m1 and on at least one of m2/)
    expect(verdict.writes).toMatchObject({ failures: 1, why: expect.stringMatching(/a failover on a click included\); if m1 and m2 fail, writes stop/) })
  }, 180_000)

  it('semi-sync through the redundancy settings: strict, then off; the servers and their option files follow', async () => {
    const plan = await json('settings', 'shop', '--lost-sync', 'strict', '--dry-run')
    expect(plan.plan.summary.join(' ')).toMatch(/strict: writes wait for an acknowledgement/)
    expect((await cli('settings', 'shop', '--lost-sync', 'strict', '--yes')).code).toBe(0)
    expect(await sql(hosts[0]!, 'SELECT @@rpl_semi_sync_master_timeout')).toBe('4294967295')
    expect((await exec(hosts[1]!.name, ['grep', 'rpl_semi_sync_master_timeout', '/etc/mysql/replicadesk/rd-3310.cnf'])).stdout.trim()).toBe('rpl_semi_sync_master_timeout = 4294967295')
    const off = await cli('settings', 'shop', '--semi-sync=false', '--member', 'm2', '--sync=false', '--yes')
    expect(off.err).toBe('')
    expect(await sql(hosts[0]!, 'SELECT @@rpl_semi_sync_master_enabled, @@rpl_semi_sync_slave_enabled')).toBe('0\t0')
    expect(await sql(hosts[1]!, 'SELECT @@rpl_semi_sync_slave_enabled')).toBe('0')
    expect(await json('cluster', 'list')).toMatchObject([{ semiSync: { enabled: false, timeoutMs: 4294967295 }, members: [{ sync: false }, { sync: false }] }])
    await expect.poll(async () => (await json('health', 'shop')).noLoss.failures, { timeout: 10_000 }).toBe(0)
    const foreign = await cli('settings', 'shop', '--sync-num', '2', '--yes')
    expect(foreign.err).toMatch(/--sync-num is not a MariaDB setting/)
  }, 120_000)

  it('switches over and back through the same verbs; automatic failover is refused for MariaDB; the replica is removed with its datadir', async () => {
    const plan = await json('switchover', 'shop', '--dry-run')
    expect(plan.plan.assessment).toMatchObject({ from: 'm1', to: 'm2', loss: { kind: 'none' } })
    expect((await cli('switchover', 'shop', '--yes')).err).toBe('')
    await expect.poll(async () => (await json('status', 'shop')).primary, { timeout: 10_000 }).toBe('m2')
    expect(await sql(hosts[0]!, 'SELECT @@read_only')).toBe('1')
    expect((await cli('switchover', 'shop', '--to', 'm1', '--yes')).err).toBe('')
    await expect.poll(async () => (await json('status', 'shop')).primary, { timeout: 10_000 }).toBe('m1')
    const auto = await cli('automatic', 'shop', '--on', '--yes')
    expect(auto.code).not.toBe(0)
    expect(auto.err).toMatch(/shop is a MariaDB cluster: ReplicaDesk cannot hand it over to an automatic-failover manager on MariaDB yet/)
    const removed = await cli('replica', 'remove', 'shop', 'm2', '--delete-data')
    expect(removed.err).toBe('')
    expect(removed.code).toBe(0)
    expect((await exec(hosts[1]!.name, ['test', '-e', dirOf('m2')])).code).not.toBe(0)
    expect((await json('cluster', 'list'))[0].members.map((m: { name: string }) => m.name)).toEqual(['m1'])
    expect(await sql(hosts[0]!, 'SELECT COUNT(*) FROM app.t')).toBe('1001')
  }, 120_000)
})
