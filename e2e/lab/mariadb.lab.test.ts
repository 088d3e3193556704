// MariaDB on lab hosts, on a small lab of this file: the Debian packages on every host, the
// Debian layout's paths private per host, Debian's own mariadb.service run by the systemctl
// stand-in over SSH with `sudo -n` as the product does (start, is-active, stop that waits,
// enabled → started at power-on), `sudo -n -u mysql`, the plain-server fixture of
// e2e/support/mariadb, and `down` taking it all away.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEBIAN_SOCKET } from '../support/mariadb/commands'
import { initMariaDbDataDir, mariadbSql, plainMariaDb, resetDebianMariaDb, seedRows } from '../support/mariadb/lab'
import { exec, execOk, ownLab, powerOff, powerOn, requireNetns, ssh, type Lab, type LabHost, type OwnLab } from './index'
import { hostRoot } from './host-files'
import { packages } from './machine'
import { alive } from './procs'
import { run, waitFor } from './run'

let lab: Lab
let own: OwnLab | undefined
let host1: LabHost, host2: LabHost

/** False when the lab could not run here (loopback mode: requireNetns said NOT RUN). */
const netns = () => lab?.mode === 'netns'

beforeAll(async () => {
  if (!requireNetns('MariaDB hosts need their own mount namespaces')) return
  own = await ownLab('mariadb', { hosts: 2, mode: 'netns' })
  lab = own.lab
  ;[host1, host2] = lab.hosts as [LabHost, LabHost]
})
afterAll(async () => {
  await own?.down()
})

/** Over SSH as the admin (sudo -n inside, like the product). */
const admin = (h: LabHost, cmd: string) => ssh(h, cmd, { user: lab.users.admin, lab })
const uidOf = (pid: number) => Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1])
const mysqlUid = () => Number(readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('mysql:'))!.split(':')[2])
const unitPid = async (h: LabHost) => Number((await admin(h, 'systemctl show -p MainPID --value mariadb')).stdout.trim())
/** Until the unit's server answers as root on Debian's socket (the stand-in does not wait for sd_notify's READY). */
const answers = (h: LabHost) => waitFor(`${h.name}: mariadb.service to answer`, async () => (await exec(h, ['mariadb', `--socket=${DEBIAN_SOCKET}`, '-e', 'select 1'], { lab })).code === 0, 20_000)

it('installs the MariaDB packages on the machine, so every host has them, with sudo as mysql and as root', async (ctx) => {
  if (!netns()) return ctx.skip()
  expect(packages).toEqual(expect.arrayContaining(['mariadb-server', 'mariadb-backup', 'mariadb-client']))
  const dpkg = await run('dpkg-query', ['-W', '-f=${Package} ${db:Status-Abbrev}\n', 'mariadb-server', 'mariadb-backup', 'mariadb-client'])
  expect(dpkg.stdout.split('\n').filter((l) => / ii ?$/.test(l))).toHaveLength(3)
  // /usr/sbin is not on the admin's own PATH (Debian's default for users), as on a real box.
  const r = await admin(host2, 'test -x /usr/sbin/mariadbd && command -v mariadb mariadb-backup mbstream mariadb-install-db && sudo -n -u mysql id -un && sudo -n mariadb --version')
  expect(r.code, r.stderr).toBe(0)
  expect(r.stdout).toMatch(/^\/usr\/bin\/mariadb\n\/usr\/bin\/mariadb-backup\n\/usr\/bin\/mbstream\n\/usr\/bin\/mariadb-install-db\nmysql\n/)
  expect(r.stdout).toMatch(/Distrib 10\.11\./)
  // The machine runs no server of its own (policy-rc.d kept the postinst from starting one): the
  // hosts' servers have their sockets in their private /run/mysqld.
  expect(existsSync(DEBIAN_SOCKET)).toBe(false)
})

it('keeps /var/lib/mysql (empty at first), /run/mysqld, /var/log/mysql and /etc/mysql private per host', async (ctx) => {
  if (!netns()) return ctx.skip()
  const modes = await execOk(host1, ['stat', '-c', '%n %U %a', '/var/lib/mysql', '/run/mysqld', '/var/log/mysql', '/etc/mysql'], { lab })
  expect(modes.trim().split('\n')).toEqual(['/var/lib/mysql mysql 755', '/run/mysqld mysql 755', '/var/log/mysql mysql 2750', '/etc/mysql root 755'])
  expect(await execOk(host1, ['ls', '-A', '/var/lib/mysql'], { lab })).toBe('')
  const mark = 'rdlab-mark-host1'
  await execOk(host1, ['sh', '-c', 'for d in /var/lib/mysql /run/mysqld /var/log/mysql; do runuser -u mysql -- touch "$d/$1"; done', 'sh', mark], { lab })
  // Debian's layout through the host's copy: my.cnf → /etc/alternatives/my.cnf → /etc/mysql/mariadb.cnf (the host's).
  await execOk(host1, ['sh', '-c', 'printf "[mysqld]\\nport = 3399\\n" > /etc/mysql/mariadb.conf.d/90-rdlab.cnf'], { lab })
  expect(await execOk(host1, ['my_print_defaults', '--mysqld'], { lab })).toContain('--port=3399')

  const other = await exec(host2, ['sh', '-c', 'ls /var/lib/mysql/$1 /run/mysqld/$1 /var/log/mysql/$1 /etc/mysql/mariadb.conf.d/90-rdlab.cnf 2>&1; my_print_defaults --mysqld', 'sh', mark], { lab })
  expect(other.stdout.match(/No such file/g)).toHaveLength(4)
  expect(other.stdout).not.toContain('3399')
  expect(existsSync('/etc/mysql/mariadb.conf.d/90-rdlab.cnf')).toBe(false)
  expect(existsSync(join(hostRoot(host1.dir), 'etc/mysql/mariadb.conf.d/90-rdlab.cnf'))).toBe(true)
  await execOk(host1, ['sh', '-c', 'rm -f /var/lib/mysql/$1 /run/mysqld/$1 /var/log/mysql/$1 /etc/mysql/mariadb.conf.d/90-rdlab.cnf', 'sh', mark], { lab })
})

describe("Debian's mariadb.service under the systemctl stand-in", () => {
  it('starts on a datadir initialised on the host, answers sudo -n mariadb and sudo -n -u mysql, and stop waits for mariadbd', async (ctx) => {
    if (!netns()) return ctx.skip()
    // Not started before there is a datadir: Debian's unit finds no system tables and fails.
    await initMariaDbDataDir(lab, host1) // as mysql, reading the host's /etc/mysql: /var/lib/mysql
    const start = await admin(host1, 'sudo -n systemctl start mariadb && systemctl is-active mariadb && systemctl is-active mysql')
    expect(start.code, start.stderr).toBe(0)
    expect(start.stdout).toBe('active\nactive\n') // mysql.service is Debian's alias of mariadb.service
    await answers(host1)
    const pid = await unitPid(host1)
    expect(readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe('mariadbd')
    expect(uidOf(pid)).toBe(mysqlUid())

    const who = await admin(host1, `sudo -n mariadb -N -B -e 'select @@datadir, @@socket, current_user()' && sudo -n -u mysql mariadb -N -B -e 'select current_user()'`)
    expect(who.code, who.stderr).toBe(0)
    expect(who.stdout).toBe(`/var/lib/mysql/\t${DEBIAN_SOCKET}\troot@localhost\nmysql@localhost\n`)
    expect((await admin(host2, 'sudo -n mariadb -e "select 1"')).code).not.toBe(0) // host2 has no server: /run/mysqld is private

    const t0 = performance.now()
    const stop = await admin(host1, 'sudo -n systemctl stop mariadb; systemctl is-active mariadb')
    const stopMs = performance.now() - t0
    expect(stop.stdout).toBe('inactive\n')
    expect(alive([pid])).toEqual([]) // stop returned only once mariadbd had exited
    expect(existsSync(join(hostRoot(host1.dir), 'run/mysqld/mysqld.sock'))).toBe(false)
    console.log(`[mariadb] systemctl stop mariadb over SSH: ${Math.round(stopMs)} ms`)
  })

  it('starts at power-on when enabled, with /run/mysqld emptied by the boot', async (ctx) => {
    if (!netns()) return ctx.skip()
    const enable = await admin(host1, 'sudo -n systemctl enable mariadb && systemctl is-enabled mariadb && systemctl is-active mariadb')
    expect(enable.stdout).toBe('enabled\ninactive\n')
    await execOk(host1, ['runuser', '-u', 'mysql', '--', 'touch', '/run/mysqld/rdlab-stale'], { lab })
    await powerOff(host1, lab)
    await powerOn(host1, lab)
    expect(existsSync(join(hostRoot(host1.dir), 'run/mysqld/rdlab-stale'))).toBe(false)
    expect((await admin(host1, 'systemctl is-active mariadb')).stdout).toBe('active\n')
    await answers(host1)
    const restarted = await admin(host1, 'sudo -n systemctl restart mariadb && systemctl is-active mariadb')
    expect(restarted.stdout).toBe('active\n')
    await answers(host1)
    expect(uidOf(await unitPid(host1))).toBe(mysqlUid())
    // Left running: the last test checks that `down` takes it away.
  })

  it('resetDebianMariaDb puts a host back: unit stopped and disabled, empty datadir, /etc/mysql as the machine\'s', async (ctx) => {
    if (!netns()) return ctx.skip()
    await initMariaDbDataDir(lab, host2)
    await execOk(host2, ['sh', '-c', 'printf "[mysqld]\\nserver_id = 42\\n" > /etc/mysql/mariadb.conf.d/90-rdlab.cnf'], { lab })
    expect((await admin(host2, 'sudo -n systemctl enable --now mariadb && systemctl is-active mariadb')).stdout).toBe('active\n')
    await answers(host2)
    expect(await mariadbSql(lab, host2, 'select @@server_id')).toBe('42')
    const pid = await unitPid(host2)

    await resetDebianMariaDb(lab, host2)
    expect(alive([pid])).toEqual([])
    const after = await admin(host2, 'systemctl is-active mariadb; systemctl is-enabled mariadb; sudo -n ls -A /var/lib/mysql | wc -l; ls /etc/mysql/mariadb.conf.d')
    expect(after.stdout).toBe(`inactive\ndisabled\n0\n${readdirSync('/etc/mysql/mariadb.conf.d').sort().join('\n')}\n`)
  })
})

describe('plainMariaDb (e2e/support/mariadb)', () => {
  it('initialises and starts a plain server as mysql, reachable from the other hosts; seeds rows; remove() stops and deletes it', async (ctx) => {
    if (!netns()) return ctx.skip()
    const server = await plainMariaDb(lab, host2, { port: 3307, dataDir: '/srv/rdlab-plain/data' })
    expect(uidOf(server.pid)).toBe(mysqlUid())
    expect(await server.sql('select @@port, @@datadir, current_user()')).toBe('3307\t/srv/rdlab-plain/data/\troot@localhost')
    const viaSudo = await admin(host2, `sudo -n -u mysql mariadb --no-defaults --socket=${server.socket} -N -B -e 'select current_user()'`)
    expect(viaSudo.stdout).toBe('mysql@localhost\n')
    // Bound to every address: host1 reaches it over TCP, and the server itself answers (it knows
    // no user at host1: root and mysql log in through the socket only).
    const ping = await exec(host1, ['mariadb-admin', '--no-defaults', '-h', host2.name, '-P', '3307', '--connect-timeout=5', 'ping'], { lab })
    expect(ping.stderr).toMatch(/1130 - Host 'host1' is not allowed to connect to this MariaDB server/)

    const seed = await seedRows(lab, host2, { megabytes: 64, socket: server.socket })
    expect(seed.rows).toBe(64 * 1024)
    expect(Number(await server.sql('select count(*), max(id) from seed.`rows`').then((s) => s.split('\t')[1]))).toBe(seed.lastId)
    expect(seed.tableBytes).toBeGreaterThan(64 * 1024 * 1024)
    console.log(`[mariadb] seeded ${seed.rows} rows (64 MiB) in ${Math.round(seed.ms)} ms: ${seed.mbPerSecond.toFixed(0)} MiB/s; table ${(seed.tableBytes / 1048576).toFixed(0)} MiB`)

    await server.remove()
    expect(alive([server.pid])).toEqual([])
    expect(existsSync(join(hostRoot(host2.dir), 'srv/rdlab-plain/data'))).toBe(false)
  })
})

it('down kills the hosts\' servers and removes their private MariaDB files', async (ctx) => {
  if (!netns()) return ctx.skip()
  const pid = await unitPid(host1)
  expect(alive([pid])).toEqual([pid])
  await own!.down()
  own = undefined
  expect(alive([pid])).toEqual([])
  expect(existsSync(lab.dir)).toBe(false)
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
  expect(mounts).not.toContain(lab.dir)
})
