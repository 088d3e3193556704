// Creating and adopting a MariaDB primary against the lab, through the operations runner and an
// admin login (sudo -n): init on the plain layout (mariadbd started by ReplicaDesk) and on the
// Debian layout (the mariadb unit through the lab's systemctl stand-in), adopt of a plain
// server the lab fixture started by hand (settings set, restarted for log_bin), and pre-flight
// refusals (datadir not empty, port in use, server_id clash) that leave nothing behind. The
// status login works through unix_socket and cannot write; the replication password lives
// only in mysql's 0600 file, never in the journal or the activity log.
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initMariaDbDataDir, plainMariaDb, resetDebianMariaDb } from '../../../../e2e/support/mariadb/lab'
import { waitFor } from '../../../../e2e/lab/run'
import { cleanupHosts, makeReplicaWorld, type ReplicaWorld } from '../../../../e2e/support/mariadb/replica-world'
import type { MariaMemberInput } from './model'

const HOSTS = ['host1', 'host2', 'host3']
let w: ReplicaWorld
const addr = (host: string) => w.ctx.host(host).address
const plain = (name: string, host: string, port: number, serverId: number, over: Partial<MariaMemberInput> = {}): MariaMemberInput => ({ name, host, address: addr(host), port, dataDir: `/srv/mdb/${name}`, serverId, ...over })
const cluster = (id: string, members: MariaMemberInput[]) => w.engine.parseCluster({ engine: 'mariadb', id, members })
const sql = (host: string, socket: string, q: string) => w.asRoot(host, ['mariadb', '--no-defaults', `--socket=${socket}`, '--batch', '--skip-column-names', '-e', q]).then((s) => s.trim())
const statuses = (s: { steps: { id: string; status: string }[] }) => s.steps.map((x) => `${x.id}:${x.status}`)

/** Every file under dir, concatenated (the journal, the activity log). */
async function allText(dir: string): Promise<string> {
  const out: string[] = []
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(await readFile(join(e.parentPath, e.name), 'utf8').catch(() => ''))
  return out.join('\n')
}

/** What ReplicaDesk left on a host for a member's datadir and port: claims, option files, the datadir. */
const leftFor = (host: string, dataDir: string, port: number) =>
  w.asRoot(host, ['sh', '-c', '[ -e "$1" ] && echo "datadir"; [ -e "/etc/mysql/replicadesk/rd-$2.cnf" ] && echo "conf"; ls /etc/mysql/replicadesk/claims 2>/dev/null | sed "s/^/claim /"; exit 0', 'sh', dataDir, String(port)]).then((s) => s.split('\n').filter(Boolean))

beforeAll(async () => {
  w = await makeReplicaWorld()
  await cleanupHosts(w, HOSTS)
  await resetDebianMariaDb(w.lab, 'host2')
}, 120_000)

afterAll(async () => {
  if (!w) return
  await cleanupHosts(w, HOSTS)
  await resetDebianMariaDb(w.lab, 'host2')
  await w.close()
}, 120_000)

describe('creating and adopting a MariaDB primary', () => {
  it('init, plain layout: settings, access through unix_socket, the password only in its 0600 file', async () => {
    const c = cluster('pc', [plain('p1', 'host1', 3311, 1)])
    const { summary } = await w.run(w.engine.createCluster({ cluster: c, primary: 'p1', mode: 'init' }))
    expect(summary.error?.message).toBeUndefined()
    expect(statuses(summary)).toEqual(['preflight:done', 'init:done', 'start:done', 'access:done'])
    const sock = '/run/mysqld/rd-3311.sock'
    expect(await sql('host1', sock, 'SELECT @@server_id, @@log_bin, @@binlog_format, @@gtid_strict_mode, @@log_slave_updates, @@bind_address, @@datadir')).toBe(`1\t1\tROW\t1\t1\t${addr('host1')}\t/srv/mdb/p1/`)
    // The status login: the SSH login itself over the socket, unix_socket, monitor grants only.
    const admin = w.lab.users.admin
    const who = await w.hosts.exec('host1', ['mariadb', '--no-defaults', `--socket=${sock}`, '--batch', '--skip-column-names', '-e', 'SHOW ALL SLAVES STATUS; SELECT CURRENT_USER()'])
    expect(who.stdout.trim()).toBe(`${admin}@localhost`)
    const write = await w.hosts.exec('host1', ['mariadb', '--no-defaults', `--socket=${sock}`, '-e', 'CREATE DATABASE nope'], { okExitCodes: [1] })
    expect(write.stderr).toMatch(/ERROR 1044 .*Access denied/)
    // The replication password: mysql's 0600 file only; never in the journal or the activity log.
    const file = '/etc/mysql/replicadesk/replication-pc.cnf'
    expect((await w.asRoot('host1', ['stat', '-c', '%U %a', file])).trim()).toBe('mysql 600')
    const password = /^password=(\S+)$/m.exec(await w.asRoot('host1', ['cat', file]))![1]!
    expect(password).toMatch(/^[A-Za-z0-9]{32}$/)
    expect(await allText(w.dataDir)).not.toContain(password)
    expect(await allText(w.ctx.dir)).not.toContain(password)
    expect(await sql('host1', sock, `SELECT COUNT(*) FROM mysql.user WHERE User = 'replicadesk' AND Host = '${addr('host1')}' AND Repl_slave_priv = 'Y'`)).toBe('1')
    // Again: refused before anything is touched (a server runs there); adopting it finds everything in place.
    const again = await w.run(w.engine.createCluster({ cluster: c, primary: 'p1', mode: 'init' }))
    expect(statuses(again.summary)).toEqual(['preflight:failed', 'init:pending', 'start:pending', 'access:pending'])
    expect(again.summary.error?.message).toMatch(/MariaDB server runs on it/)
    const adopted = await w.run(w.engine.createCluster({ cluster: c, primary: 'p1', mode: 'adopt' }))
    expect(statuses(adopted.summary)).toEqual(['preflight:done', 'settings:skipped', 'restart:skipped', 'access:skipped'])
  }, 60_000)

  it('init, Debian layout: mariadb-install-db into /var/lib/mysql, the unit started and enabled through sudo -n', async () => {
    const c = cluster('dc', [{ name: 'd1', host: 'host2', address: addr('host2'), port: 3306, dataDir: '/var/lib/mysql', layout: 'debian', serverId: 5 }])
    const plan = await w.ops.plan(w.engine.createCluster({ cluster: c, primary: 'd1', mode: 'init' }))
    expect(plan.steps.find((s) => s.id === 'start')!.commands.map((x) => x.argv.join(' '))).toContain('systemctl start mariadb')
    const { summary } = await w.run(w.engine.createCluster({ cluster: c, primary: 'd1', mode: 'init' }))
    expect(summary.error?.message).toBeUndefined()
    expect(statuses(summary)).toEqual(['preflight:done', 'init:done', 'start:done', 'access:done'])
    expect((await w.asRoot('host2', ['systemctl', 'is-active', 'mariadb'])).trim()).toBe('active')
    expect((await w.asRoot('host2', ['systemctl', 'is-enabled', 'mariadb'])).trim()).toBe('enabled')
    expect(await w.asRoot('host2', ['cat', '/etc/mysql/mariadb.conf.d/60-replicadesk.cnf'])).toContain('server_id = 5')
    expect(await sql('host2', '/run/mysqld/mysqld.sock', 'SELECT @@server_id, @@log_bin, @@gtid_strict_mode, @@bind_address')).toBe(`5\t1\t1\t${addr('host2')}`)
    // Detection reads it back: Debian's server, its settings, no replication; the drift is none.
    const d = await w.engine.detect('host2', 'sudo')
    expect(d.debian).toMatchObject({ conf: true, unit: true, datadir: 'initialised' })
    expect(d.versions.map((v) => v.major)).toEqual(['10.11'])
    expect(d.instances.filter((i) => i.dataDir === '/var/lib/mysql')).toHaveLength(1)
    expect(d.instances.find((i) => i.dataDir === '/var/lib/mysql')).toMatchObject({ layout: 'debian', role: 'primary', port: 3306, serverId: 5, logBin: true, binlogFormat: 'ROW', gtidStrictMode: true, replication: [] })
    expect(await w.engine.readDrift(c)).toEqual({ drift: [], pendingRestart: [], unread: [] })
    expect(await w.engine.readPositions(c)).toEqual([expect.objectContaining({ member: 'd1', role: 'primary', readOnly: false })])
  }, 60_000)

  it("adopts Debian's own server: the drop-in written, restarted through the unit for log_bin and bind-address", async () => {
    await resetDebianMariaDb(w.lab, 'host2')
    await initMariaDbDataDir(w.lab, 'host2')
    await w.asRoot('host2', ['systemctl', 'start', 'mariadb'])
    await waitFor('host2: Debian server up', () => sql('host2', '/run/mysqld/mysqld.sock', 'SELECT 1').then(() => true, () => false), 30_000)
    const c = cluster('dd', [{ name: 'd2', host: 'host2', address: addr('host2'), port: 3306, dataDir: '/var/lib/mysql', layout: 'debian', serverId: 8 }])
    const { summary } = await w.run(w.engine.createCluster({ cluster: c, primary: 'd2', mode: 'adopt' }))
    expect(summary.error?.message).toBeUndefined()
    expect(statuses(summary)).toEqual(['preflight:done', 'settings:done', 'restart:done', 'access:done'])
    expect(await sql('host2', '/run/mysqld/mysqld.sock', 'SELECT @@server_id, @@log_bin, @@bind_address, @@log_slave_updates')).toBe(`8\t1\t${addr('host2')}\t1`)
    expect((await w.asRoot('host2', ['systemctl', 'is-active', 'mariadb'])).trim()).toBe('active')
  }, 60_000)

  it('adopts a plain server started by hand: SET GLOBAL, then a restart for log_bin from its option file', async () => {
    const server = await plainMariaDb(w.lab, 'host3', { port: 3312, dataDir: '/srv/mdb/a1', args: ['--server-id=9'] })
    const c = cluster('ac', [plain('a1', 'host3', 3312, 1, { socket: server.socket })])
    const plan = await w.ops.plan(w.engine.createCluster({ cluster: c, primary: 'a1', mode: 'adopt' }))
    expect(plan.summary.join(' ')).toContain('The binary log (log_bin), log_slave_updates, the listen address and the port only change at a restart')
    const { summary } = await w.run(w.engine.createCluster({ cluster: c, primary: 'a1', mode: 'adopt' }))
    expect(summary.error?.message).toBeUndefined()
    expect(statuses(summary)).toEqual(['preflight:done', 'settings:done', 'restart:done', 'access:done'])
    expect(await sql('host3', server.socket, 'SELECT @@server_id, @@log_bin, @@binlog_format, @@log_slave_updates, @@gtid_strict_mode')).toBe('1\t1\tROW\t1\t1')
    const pid = (await w.asRoot('host3', ['cat', '/srv/mdb/a1/mariadbd.pid'])).trim()
    expect(await w.asRoot('host3', ['cat', `/proc/${pid}/cmdline`])).toContain('--defaults-file=/etc/mysql/replicadesk/rd-3312.cnf')
  }, 60_000)

  it('pre-flight failures (datadir not empty, port in use, server_id clash) leave nothing behind', async () => {
    await w.asRoot('host1', ['sh', '-c', 'mkdir -p /srv/mdb/x1 && echo keep > /srv/mdb/x1/canary'])
    const claimsBefore = await leftFor('host1', '/srv/mdb/none', 3313)
    const bad = [
      { member: plain('x1', 'host1', 3313, 3), why: /\/srv\/mdb\/x1 on host1 is not empty/ },
      { member: plain('x2', 'host1', 22, 3), why: /Port 22 on host1 is in use/ },
      // a1 on host3 runs with server_id 1 (adopted above): the record gives 1 to x3 and 2 to a1.
      { member: plain('x3', 'host1', 3313, 1), others: [plain('a1', 'host3', 3312, 2, { socket: '/run/mysqld/plain-3312.sock' })], why: /server_id 1, which the record gives x3, is in use by a1 on host3/ },
    ]
    for (const b of bad) {
      const r = await w.run(w.engine.createCluster({ cluster: cluster('bad', [b.member, ...(b.others ?? [])]), primary: b.member.name, mode: 'init' }))
      expect(statuses(r.summary)).toEqual(['preflight:failed', 'init:pending', 'start:pending', 'access:pending'])
      expect(r.summary.error?.message).toMatch(b.why)
    }
    expect(await w.asRoot('host1', ['cat', '/srv/mdb/x1/canary'])).toBe('keep\n')
    expect(await leftFor('host1', '/srv/mdb/x3', 3313)).toEqual(claimsBefore)
    expect(await leftFor('host1', '/srv/mdb/x2', 22)).toEqual(claimsBefore)
  }, 60_000)

  it('a failed step says why; abandoning the operation removes only what it made, its server stopped', async () => {
    const claimsBefore = await leftFor('host1', '/srv/mdb/none', 3314)
    // The third member's host asks for a sudo password: the lease (2 of 3) is granted, access fails there.
    const c = cluster('fc', [plain('f1', 'host1', 3314, 4), plain('f2', 'host2', 3314, 5), plain('f3', 'sudopw', 3314, 6)])
    const failed = await w.run(w.engine.createCluster({ cluster: c, primary: 'f1', mode: 'init' }))
    expect(statuses(failed.summary)).toEqual(['preflight:done', 'init:done', 'start:done', 'access:failed'])
    expect(failed.summary.error?.message).toMatch(/sudo on .* asks for a password/)
    const left = await leftFor('host1', '/srv/mdb/f1', 3314)
    expect(left.slice(0, 2)).toEqual(['datadir', 'conf'])
    expect(left.filter((x) => x.startsWith('claim ')).length).toBe(claimsBefore.length + 2) // the claim and its install marker
    expect((await (await w.ops.abandon(failed.summary.id)).finished).status).toBe('abandoned')
    expect(await leftFor('host1', '/srv/mdb/f1', 3314)).toEqual(claimsBefore)
    expect(await w.asRoot('host1', ['sh', '-c', '[ -S /run/mysqld/rd-3314.sock ] && echo socket; exit 0'])).toBe('')
  }, 60_000)

  it('refuses a member address that is not the host\'s (the server would listen on no address)', async () => {
    const r = await w.run(w.engine.createCluster({ cluster: cluster('na', [plain('n1', 'host1', 3315, 7, { address: '10.99.99.99' })]), primary: 'n1', mode: 'init' }))
    expect(statuses(r.summary)[0]).toBe('preflight:failed')
    expect(r.summary.error?.message).toMatch(/10\.99\.99\.99, the address of n1, is not an address of host1/)
    expect(await leftFor('host1', '/srv/mdb/n1', 3315)).toEqual(await leftFor('host1', '/srv/mdb/none', 3315))
  }, 30_000)
})
