// Hosts of their own, on a small lab of this file (own state file, beside the run's shared lab):
// a machine-id shared on purpose, the systemctl stand-in driven over SSH with `sudo -n` as the
// product does (user, namespaces, Restart=always after kill -9, drop-ins, ExecStartPre, systemd quoting, enabled units after
// power-on, exit codes), and bare hosts that get PostgreSQL only from `sudo -n apt-get install -y postgresql-15`.
import { readFileSync, readlinkSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aptRequests, ownLab, powerOff, powerOn, requireNetns, ssh, type Lab, type LabHost, type OwnLab } from './index'
import { holderPid } from './netns'
import { alive } from './procs'
import { waitFor } from './run'

let lab: Lab
let own: OwnLab | undefined
let host1: LabHost, host2: LabHost, bare1: LabHost, bare2: LabHost

/** False when the lab could not run here (loopback mode: requireNetns said NOT RUN). */
const netns = () => lab?.mode === 'netns'

beforeAll(async () => {
  if (!requireNetns('hosts of their own need network and mount namespaces')) return
  own = await ownLab('standins', { hosts: 2, bareHosts: ['bare1', 'bare2'], sameMachineId: [['host1', 'host2']], mode: 'netns' })
  lab = own.lab
  ;[host1, host2, bare1, bare2] = lab.hosts as [LabHost, LabHost, LabHost, LabHost]
})
afterAll(async () => {
  await own?.down()
})

/** Runs a command over SSH as the admin (sudo -n inside, like the product). */
const admin = (h: LabHost, cmd: string, input?: string) => ssh(h, cmd, { user: lab.users.admin, lab, input })
const uidOf = (pid: number) => Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1])
const postgresUid = () => Number(readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'))!.split(':')[2])

it('gives hosts the same machine-id only when asked to', async (ctx) => {
  if (!netns()) return ctx.skip()
  const ids = await Promise.all([host1, host2, bare1].map(async (h) => (await ssh(h, 'cat /etc/machine-id /var/lib/dbus/machine-id', { lab })).stdout))
  expect(ids[0]).toBe(ids[1])
  expect(ids[0]).not.toBe(ids[2])
  expect(ids[0]!.split('\n').slice(0, 2)).toEqual([host1.machineId, host1.machineId])
})

describe('systemctl stand-in', () => {
  const unit = 'rdlab-sleeper'
  const unitFile = `[Unit]
Description=lab sleeper
[Service]
User=postgres
ExecStart=/bin/sleep 1000
Restart=always
RestartSec=0.1
[Install]
WantedBy=multi-user.target
`
  const mainPid = async () => Number((await admin(host1, `systemctl show -p MainPID --value ${unit}`)).stdout.trim())
  const inHost = (pid: number) => {
    const holder = holderPid(host1)!
    return ['net', 'mnt', 'uts'].every((ns) => readlinkSync(`/proc/${pid}/ns/${ns}`) === readlinkSync(`/proc/${holder}/ns/${ns}`))
  }

  it('answers is-active / is-enabled with systemd\'s exit codes', async (ctx) => {
    if (!netns()) return ctx.skip()
    const write = await admin(host1, `sudo -n tee /etc/systemd/system/${unit}.service >/dev/null && sudo -n systemctl daemon-reload`, unitFile)
    expect(write.code, write.stderr).toBe(0)
    const before = await admin(host1, `systemctl is-active ${unit}; echo $?; systemctl is-enabled ${unit}; echo $?; systemctl is-enabled nosuch; echo $?`)
    expect(before.stdout.split('\n').slice(0, 5)).toEqual(['inactive', '3', 'disabled', '1', '1'])
    const refused = await admin(host1, `systemctl start ${unit}`) // no sudo: systemd asks polkit, which says no
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('Interactive authentication required')
    // Only host1 has the unit: /etc/systemd/system is private per host.
    expect((await admin(host2, `systemctl is-enabled ${unit}`)).code).toBe(1)
  })

  it('runs a unit as its User in the host\'s namespaces, and restarts it after kill -9 (Restart=always)', async (ctx) => {
    if (!netns()) return ctx.skip()
    const started = await admin(host1, `sudo -n systemctl enable --now ${unit} && systemctl is-active ${unit} && systemctl is-enabled ${unit}`)
    expect(started.code, started.stderr).toBe(0)
    expect(started.stdout.split('\n').slice(0, 2)).toEqual(['active', 'enabled'])
    const first = await mainPid()
    expect(readFileSync(`/proc/${first}/cmdline`, 'utf8')).toBe('/bin/sleep\u00001000\u0000')
    expect(uidOf(first)).toBe(postgresUid())
    expect(inHost(first)).toBe(true)

    process.kill(first, 'SIGKILL')
    let next = 0
    await waitFor('the unit to be restarted', async () => {
      next = await mainPid()
      return next !== 0 && next !== first
    }, 5000)
    expect(uidOf(next)).toBe(postgresUid())
    expect((await admin(host1, `systemctl is-active ${unit}`)).code).toBe(0)
  })

  it('starts enabled units again after power-off / power-on; stop and disable undo it', async (ctx) => {
    if (!netns()) return ctx.skip()
    const before = await mainPid()
    await powerOff(host1, lab)
    expect(alive([before])).toEqual([])
    await powerOn(host1, lab)
    const after = await mainPid()
    expect(after).not.toBe(0)
    expect(after).not.toBe(before)
    expect(uidOf(after)).toBe(postgresUid())
    expect(inHost(after)).toBe(true)

    const stopped = await admin(host1, `sudo -n systemctl disable --now ${unit}; systemctl is-active ${unit}; echo $?; systemctl is-enabled ${unit}; echo $?`)
    expect(stopped.stdout.split('\n').slice(0, 4)).toEqual(['inactive', '3', 'disabled', '1'])
    expect(alive([after])).toEqual([])
  })

  it('runs template units with their instance, and gives up on a unit that keeps dying (start limit)', async (ctx) => {
    if (!netns()) return ctx.skip()
    const units = {
      'rdlab-tmpl@.service': "[Service]\nExecStart=/bin/sh -c 'echo %i > /srv/rdlab-%i; exec sleep 1000'\n",
      'rdlab-crash.service': '[Service]\nExecStart=/bin/false\nRestart=always\nRestartSec=0.05\n',
    }
    for (const [name, text] of Object.entries(units)) {
      expect((await admin(host1, `sudo -n tee /etc/systemd/system/${name} >/dev/null`, text)).code).toBe(0)
    }
    // A simple unit's start returns once its process runs, not once it wrote anything: wait (bounded) for the file.
    const tmpl = await admin(host1, 'sudo -n systemctl start rdlab-tmpl@one && systemctl is-active rdlab-tmpl@one.service && for i in $(seq 50); do [ -s /srv/rdlab-one ] && break; sleep 0.1; done; cat /srv/rdlab-one')
    expect(tmpl.stdout.split('\n').slice(0, 2)).toEqual(['active', 'one'])
    expect((await admin(host1, 'sudo -n systemctl stop rdlab-tmpl@one; systemctl is-active rdlab-tmpl@one')).code).toBe(3)

    await admin(host1, 'sudo -n systemctl start rdlab-crash')
    // 5 starts within 10 s, then systemd (and the stand-in) stop trying: "failed", exit 3.
    await waitFor('the crashing unit to fail', async () => (await admin(host1, 'systemctl is-active rdlab-crash')).stdout.trim() === 'failed', 10_000)
    expect((await admin(host1, 'systemctl is-active rdlab-crash')).code).toBe(3)
  })

  it('reads drop-ins like systemd: the template\'s and the instance\'s, by file name, an empty ExecStart= resets', async (ctx) => {
    if (!netns()) return ctx.skip()
    const files = {
      'rdlab-drop@.service': "[Service]\nExecStart=/bin/sh -c 'echo unit > /srv/rdlab-drop-%i; exec sleep 1000'\nRestart=no\n",
      'rdlab-drop@.service.d/10-restart.conf': '[Service]\nRestart=always\n',
      'rdlab-drop@.service.d/20-restart.conf': '[Service]\nRestart=on-failure\nRestartSec=0.2\n',
      'rdlab-drop@two.service.d/30-exec.conf': "[Service]\nExecStart=\nExecStart=/bin/sh -c 'echo drop-in > /srv/rdlab-drop-%i; exec sleep 1000'\n",
    }
    for (const [name, text] of Object.entries(files)) {
      const put = await admin(host1, `sudo -n mkdir -p "$(dirname /etc/systemd/system/${name})" && sudo -n tee /etc/systemd/system/${name} >/dev/null`, text)
      expect(put.code, put.stderr).toBe(0)
    }
    const show = await admin(host1, 'sudo -n systemctl daemon-reload && systemctl show -p Restart -p RestartSec rdlab-drop@one && sudo -n systemctl start rdlab-drop@one rdlab-drop@two && for _ in $(seq 50); do [ -s /srv/rdlab-drop-one ] && [ -s /srv/rdlab-drop-two ] && break; sleep 0.1; done; cat /srv/rdlab-drop-one /srv/rdlab-drop-two')
    expect(show.stdout.split('\n').slice(0, 4)).toEqual(['Restart=on-failure', 'RestartSec=0.2', 'unit', 'drop-in'])
    // Restart=on-failure from the drop-in: killed (a failure), it comes back after RestartSec.
    const pid = async () => Number((await admin(host1, 'systemctl show -p MainPID --value rdlab-drop@one')).stdout.trim())
    const first = await pid()
    process.kill(first, 'SIGKILL')
    await waitFor('the drop-in\'s Restart=on-failure to start it again', async () => ![0, first].includes(await pid()), 5000)
    await admin(host1, 'sudo -n systemctl stop rdlab-drop@one rdlab-drop@two')
  })
  it('runs ExecStartPre lines first (! as root, - may fail), reads continued lines, and leaves "…" to the shell it starts', async (ctx) => {
    if (!netns()) return ctx.skip()
    const files = {
      // As in mariadb.service: a script in "…" over two lines, $VAR and `cmd` for the inner sh.
      'rdlab-pre.service': [
        '[Service]',
        'User=postgres',
        "ExecStartPre=!/bin/sh -c 'id -un > /tmp/rdlab-pre-root'",
        'ExecStartPre=-/bin/false',
        'ExecStart=/bin/sh -c "echo $HOME `id -un` \'q\' \\',
        '  > /tmp/rdlab-pre-main; exec sleep 1000"',
        '',
      ].join('\n'),
      'rdlab-prefail.service': '[Service]\nExecStartPre=/bin/false\nExecStart=/bin/sleep 1000\n',
    }
    for (const [name, text] of Object.entries(files)) {
      expect((await admin(host1, `sudo -n tee /etc/systemd/system/${name} >/dev/null`, text)).code).toBe(0)
    }
    const ok = await admin(host1, 'sudo -n systemctl start rdlab-pre && for _ in $(seq 50); do [ -s /tmp/rdlab-pre-main ] && break; sleep 0.1; done; cat /tmp/rdlab-pre-root /tmp/rdlab-pre-main')
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toBe("root\n/var/lib/postgresql postgres q\n")
    const failed = await admin(host1, 'sudo -n systemctl start rdlab-prefail; echo $?; systemctl is-active rdlab-prefail')
    expect(failed.stdout).toBe('1\nfailed\n')
    await admin(host1, 'sudo -n systemctl stop rdlab-pre rdlab-prefail')
  })
})

describe('bare hosts', () => {
  const pgPresent = 'ls /usr/lib/postgresql/15/bin/pg_ctl /usr/lib/postgresql/15/bin/postgres && command -v pg_lsclusters psql'

  it('have no PostgreSQL until the product runs apt-get install; an unknown package fails like apt', async (ctx) => {
    if (!netns()) return ctx.skip()
    expect((await admin(bare1, pgPresent)).code).not.toBe(0)
    expect((await admin(bare1, 'command -v pg_lsclusters || command -v psql')).code).toBe(1)
    expect((await admin(host1, pgPresent)).code).toBe(0) // hidden on the bare host only

    const unknown = await admin(bare1, 'sudo -n apt-get install -y rdlab-no-such-package postgresql-15')
    expect(unknown.code).toBe(100)
    expect(unknown.stderr).toContain('E: Unable to locate package rdlab-no-such-package')
    expect((await admin(bare1, pgPresent)).code).not.toBe(0) // apt installs nothing when one name is unknown

    const install = await admin(bare1, 'sudo -n apt-get install -y postgresql-15')
    expect(install.code, install.stderr).toBe(0)
    expect((await admin(bare1, pgPresent)).code).toBe(0)
    // Debian's postinst: a `main` cluster, created and started as its unit, postgresql.service enabled.
    expect((await admin(bare1, 'pg_lsclusters -h')).stdout).toMatch(/^15\s+main\s+5432\s+online\s+postgres/m)
    const units = await admin(bare1, 'systemctl is-active postgresql@15-main && systemctl is-enabled postgresql')
    expect(units.stdout.split('\n').slice(0, 2)).toEqual(['active', 'enabled'])
    expect(aptRequests(bare1, lab)).toEqual(['install rdlab-no-such-package postgresql-15', 'install postgresql-15'])
  })

  it('keep what was installed across a power cycle, and start the main cluster at boot as Debian does', async (ctx) => {
    if (!netns()) return ctx.skip()
    await powerOff(bare1, lab)
    await powerOn(bare1, lab)
    expect((await admin(bare1, pgPresent)).code).toBe(0)
    expect((await admin(bare1, 'pg_lsclusters -h')).stdout).toMatch(/^15\s+main\s+5432\s+online/m)
    // Stopped through its unit (ExecStop: pg_ctlcluster -m fast stop), it stays down.
    const stop = await admin(bare1, 'sudo -n systemctl stop postgresql@15-main; systemctl is-active postgresql@15-main; pg_lsclusters -h')
    expect(stop.stdout).toMatch(/^inactive\n15\s+main\s+5432\s+down/)
  })

  it('create no main cluster when createcluster.conf says create_main_cluster = false', async (ctx) => {
    if (!netns()) return ctx.skip()
    const conf = "sudo -n sed -i 's/^#*create_main_cluster.*/create_main_cluster = false/' /etc/postgresql-common/createcluster.conf"
    const r = await admin(bare2, `${conf} && sudo -n apt-get install -y postgresql-15 && pg_lsclusters -h | wc -l`)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.trim().split('\n').pop()).toBe('0')
    expect((await admin(bare2, pgPresent)).code).toBe(0)
    // The setting lives in bare2's own /etc/postgresql-common, not the machine's.
    expect(readFileSync('/etc/postgresql-common/createcluster.conf', 'utf8')).not.toMatch(/^create_main_cluster = false$/m)
  })
})
