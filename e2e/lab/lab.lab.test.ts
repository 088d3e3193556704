// Self-test of the lab: the hosts are real (SSH with the expected host keys, private per-host
// paths, sudo, PostgreSQL reachable between hosts) and every fault verb does what it says.
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { sudoPasswordHost } from './global-setup'
import {
  block,
  createDebianCluster,
  cut,
  exec,
  execOk,
  heal,
  hostStatus,
  kill,
  powerOff,
  powerOn,
  probePort,
  probePortFrom,
  readLab,
  requireNetns,
  resetHost,
  restart,
  ssh,
  sshArgv,
  unblock,
  type Lab,
  type LabHost,
} from './index'
import { knownHostsName } from './keys'
import { nsPids } from './netns'
import { run } from './run'

let lab: Lab
let host1: LabHost, host2: LabHost, host3: LabHost
const dataDir = '/var/lib/postgresql/selftest'

beforeAll(() => {
  lab = readLab()
  ;[host1, host2, host3] = lab.hosts as [LabHost, LabHost, LabHost]
})

/** initdb once, then start (again) over SSH as postgres, the way the app will do it. */
async function ensurePostgres(h: LabHost) {
  const bin = lab.pgBin
  const start = `${bin}/pg_ctl -D ${dataDir} -l ${dataDir}.log -w -o "-c listen_addresses='*' -c cluster_name=${h.name}" start`
  const script = `set -e
[ -f ${dataDir}/PG_VERSION ] || ${bin}/initdb -D ${dataDir} --auth-local=peer --auth-host=scram-sha-256 >/dev/null
${bin}/pg_ctl -D ${dataDir} status >/dev/null || ${start} >/dev/null`
  const r = await ssh(h, script)
  expect(r.code, r.stderr).toBe(0) // stderr may say "another server might be running" after a kill
}

describe('hosts', () => {
  it('answer SSH as postgres and as the admin, each with the host key recorded for it', async () => {
    const listed = (await run('ssh-keygen', ['-lf', lab.knownHostsPath])).stdout
    for (const h of lab.hosts) expect(listed).toContain(`${h.hostKeyFingerprint} ${knownHostsName(h.address, h.port)} (ED25519)`)
    // The key each sshd presents, read from the wire: its fingerprint is the recorded one.
    for (const h of lab.hosts) {
      const scan = await run('ssh-keyscan', ['-t', 'ed25519', '-p', String(h.port), h.address])
      const fp = await run('ssh-keygen', ['-lf', '-'], { input: scan.stdout })
      expect(fp.stdout).toContain(h.hostKeyFingerprint)
    }
    const logins = lab.hosts.flatMap((h) => [lab.users.postgres, lab.users.admin].map((user) => ({ h, user })))
    const results = await Promise.all(logins.map(({ h, user }) => ssh(h, 'echo "$(hostname) $(id -un)"', { user })))
    results.forEach((r, i) => {
      expect(r.stderr).toBe('')
      expect(r.stdout.trim()).toBe(`${logins[i]!.h.hostname} ${logins[i]!.user}`)
    })
  })

  it('are checked against known_hosts: a key listed for another address is refused', async () => {
    const wrong = join(tmpdir(), `lab-known-hosts-${randomBytes(4).toString('hex')}`)
    writeFileSync(wrong, `${host2.address} ${host1.hostKeyPublic}\n`) // host1's key under host2's address
    const argv = sshArgv(host2).map((a) => (a.startsWith('UserKnownHostsFile=') ? `UserKnownHostsFile=${wrong}` : a))
    const r = await run('ssh', [...argv, '--', 'true'], { allowFail: true })
    expect(r.code).toBe(255)
    expect(r.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/)
  })

  it('each have their own /etc/machine-id, none the machine\'s', async (ctx) => {
    if (!requireNetns('per-host machine-id needs mount namespaces', { skip: ctx.skip })) return
    const ids = await Promise.all(lab.hosts.map(async (h) => (await ssh(h, 'cat /etc/machine-id')).stdout.trim()))
    ids.forEach((id, i) => expect(id).toBe(lab.hosts[i]!.machineId))
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/)
    expect(new Set(ids).size).toBe(lab.hosts.length)
    expect(ids).not.toContain(readFileSync('/etc/machine-id', 'utf8').trim())
  })

  it('have different hostnames', (ctx) => {
    if (!requireNetns('per-host hostnames need UTS namespaces', { skip: ctx.skip })) return
    expect(new Set(lab.hosts.map((h) => h.hostname)).size).toBe(lab.hosts.length)
  })

  it('keep per-machine paths private, with Debian owners and modes', async (ctx) => {
    if (!requireNetns('per-host paths need mount namespaces', { skip: ctx.skip })) return
    const marker = `lab-marker.${randomBytes(4).toString('hex')}` // a dot: sudo's includedir skips it
    const written = await ssh(host1, `touch /var/lib/postgresql/${marker} && echo ok`)
    expect(written.stdout.trim()).toBe('ok')
    const dirs = ['/etc/postgresql', '/run/postgresql', '/etc/sudoers.d', '/var/lib/replicadesk', '/tmp', '/srv', '/var/log/postgresql']
    await execOk(host1, ['sh', '-c', 'for d; do touch "$d/$0"; done', marker, ...dirs])
    const paths = ['/var/lib/postgresql', ...dirs].map((d) => `${d}/${marker}`)
    const onHost1 = await exec(host1, ['ls', ...paths])
    expect(onHost1.code).toBe(0)
    const onHost2 = await exec(host2, ['ls', ...paths])
    for (const p of paths) expect(onHost2.stderr).toContain(`cannot access '${p}': No such file or directory`)
    await execOk(host1, ['rm', '-f', ...paths])

    for (const h of lab.hosts) {
      const modes = await execOk(h, ['stat', '-c', '%n %U %a', '/var/lib/postgresql', '/run/postgresql', '/tmp'])
      expect(modes.trim().split('\n')).toEqual(['/var/lib/postgresql postgres 755', '/run/postgresql postgres 2775', '/tmp root 1777'])
    }
  })

  it('give the admin passwordless sudo, except on the host whose sudo asks for a password', async (ctx) => {
    const normal = lab.hosts.filter((h) => !h.sudoAsksPassword)
    const results = await Promise.all(normal.map((h) => ssh(h, 'sudo -n -u postgres id -un', { user: lab.users.admin })))
    for (const r of results) expect(r.stdout.trim()).toBe('postgres')

    if (!requireNetns('per-host sudoers need mount namespaces', { skip: ctx.skip })) return
    const pw = lab.hosts.find((h) => h.name === sudoPasswordHost)!
    expect(pw.sudoAsksPassword).toBe(true)
    const refused = await ssh(pw, 'sudo -n -u postgres true', { user: lab.users.admin })
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('a password is required')
    // The password path works too, and a given password is not cached for a later `sudo -n`.
    const withPw = await ssh(pw, "sudo -S -p '' -u postgres id -un && sudo -n true", { user: lab.users.admin, input: `${lab.adminPassword}\n` })
    expect(withPw.stdout.trim()).toBe('postgres')
    expect(withPw.stderr).toContain('a password is required')
  })

  it('run PostgreSQL on their own address and socket, reachable from the other hosts', async (ctx) => {
    if (!requireNetns('hosts need their own addresses', { skip: ctx.skip })) return
    await ensurePostgres(host1)
    const local = await ssh(host1, `psql -At -c 'select inet_server_addr() is null'`) // over /run/postgresql
    expect(local.stdout.trim()).toBe('t')
    expect(await probePortFrom(host2, host1.address, 5432)).toBe('open')
    expect(await probePort(host1.address, 5432)).toBe('open')
    const ready = await exec(host2, ['pg_isready', '-h', host1.hostname, '-p', '5432'], { user: 'postgres' })
    expect(ready.stdout).toContain('accepting connections')
  })

  it('create Debian-style clusters on their own port and data dir, seen only on that host', async (ctx) => {
    if (!requireNetns('per-host /etc/postgresql needs mount namespaces', { skip: ctx.skip })) return
    const c = await createDebianCluster(host2, { name: 'selftest', port: 5433, dataDir: '/srv/pg/selftest', start: true })
    expect(c.confDir).toBe('/etc/postgresql/15/selftest')
    expect(await execOk(host2, ['pg_lsclusters', '-h'])).toMatch(/^15\s+selftest\s+5433\s+online\s+postgres\s+\/srv\/pg\/selftest/m)
    expect(await execOk(host1, ['pg_lsclusters', '-h'])).not.toContain('selftest')
    const sql = await ssh(host2, `psql -p 5433 -At -c 'show data_directory'`)
    expect(sql.stdout.trim()).toBe('/srv/pg/selftest')
    await execOk(host2, ['pg_dropcluster', '--stop', '15', 'selftest'])
  })
})

describe('fault verbs', () => {
  const touched = new Set<LabHost>()
  afterEach(async () => {
    for (const h of touched) await resetHost(h)
    touched.clear()
  })
  afterAll(async () => {
    if (lab.mode === 'netns') await ssh(host1, `${lab.pgBin}/pg_ctl -D ${dataDir} stop -m fast; rm -rf ${dataDir} ${dataDir}.log`)
  })

  it('kill makes a host unreachable; restart brings it back', async () => {
    touched.add(host3)
    await kill(host3)
    const down = await ssh(host3, 'true')
    expect(down.code).toBe(255)
    expect(down.stderr).toContain('Connection refused')
    expect((await hostStatus(host3)).sshd).toBe(false)
    await restart(host3)
    expect((await ssh(host3, 'echo "$(hostname) $(id -un)"')).stdout.trim()).toBe(`${host3.hostname} postgres`)
  })

  it('kill takes PostgreSQL down with the host; restart leaves it stopped', async (ctx) => {
    if (!requireNetns('PostgreSQL per host needs netns', { skip: ctx.skip })) return
    touched.add(host1)
    await ensurePostgres(host1)
    await kill(host1)
    expect(await probePort(host1.address, 5432)).toBe('refused')
    await expect(exec(host1, ['true'])).rejects.toThrow(/host1 is down/)
    expect((await hostStatus(host1)).up).toBe(false)

    await restart(host1)
    const pg = await ssh(host1, `${lab.pgBin}/pg_ctl -D ${dataDir} status`)
    expect(pg.code).toBe(3) // "no server running"
    expect(await execOk(host1, ['ls', '-A', '/run/postgresql'])).toBe('') // a reboot empties /run
    await ensurePostgres(host1) // and it starts again after the crash
  })

  it('power-off leaves nothing answering (TCP times out, no ARP reply); power-on boots sshd and nothing else', async (ctx) => {
    if (!requireNetns('power-off needs a per-host link', { skip: ctx.skip })) return
    touched.add(host2)
    await powerOff(host2)
    // A dead box: no reset (kill's "refused"), the connect just waits; ARP asked, nobody answers.
    await run('ip', ['neigh', 'flush', 'to', host2.address, 'dev', lab.bridge])
    expect(await probePort(host2.address, 22, 1500)).toBe('timeout')
    const neigh = await run('ip', ['neigh', 'show', 'to', host2.address, 'dev', lab.bridge])
    expect(neigh.stdout).toMatch(/INCOMPLETE|FAILED/)
    expect(await nsPids(host2.ns)).toEqual([])
    expect(await hostStatus(host2)).toMatchObject({ up: false, sshd: false, linkUp: false })

    await powerOn(host2)
    const pids = await nsPids(host2.ns)
    const comms = pids.map((p) => readFileSync(`/proc/${p}/comm`, 'utf8').trim()).sort()
    expect(comms).toEqual(['sleep', 'sshd']) // the holder and sshd: nothing else was started
    expect(await probePort(host2.address, 22)).toBe('open')
    expect((await ssh(host2, 'hostname')).stdout.trim()).toBe(host2.hostname)
  })

  it('cut makes a host unreachable from the machine and the other hosts; heal undoes it', async (ctx) => {
    if (!requireNetns('cut needs a per-host link', { skip: ctx.skip })) return
    touched.add(host2)
    await cut(host2)
    const [fromMachine, fromHost1, toHost1, viaSsh] = await Promise.all([
      probePort(host2.address, 22),
      probePortFrom(host1, host2.address, 22),
      probePortFrom(host2, host1.address, 22),
      ssh(host2, 'true', { connectTimeoutS: 1 }),
    ])
    expect([fromMachine, fromHost1, toHost1]).toEqual(['timeout', 'timeout', 'timeout'])
    expect(viaSsh.code).toBe(255)
    expect((await hostStatus(host2)).linkUp).toBe(false)

    await heal(host2)
    expect(await probePort(host2.address, 22, 3000)).toBe('open')
    expect(await probePortFrom(host1, host2.address, 22)).toBe('open')
    expect((await ssh(host2, 'hostname')).stdout.trim()).toBe(host2.hostname)
  })

  it('block refuses one port only; unblock undoes it', async (ctx) => {
    if (!requireNetns('block needs a per-host firewall', { skip: ctx.skip })) return
    touched.add(host1)
    await ensurePostgres(host1)
    await block(host1, 5432)
    expect(await probePort(host1.address, 5432)).toBe('refused')
    expect(await probePortFrom(host2, host1.address, 5432)).toBe('refused')
    expect((await ssh(host1, 'echo still-here')).stdout.trim()).toBe('still-here') // port 22 unaffected
    expect((await hostStatus(host1)).blockedPorts).toEqual([5432])

    await unblock(host1, 5432)
    expect(await probePort(host1.address, 5432)).toBe('open')
    expect(await probePortFrom(host2, host1.address, 5432)).toBe('open')
  })

  it('resetHost undoes kill, cut and block at once', async (ctx) => {
    if (!requireNetns('cut and block need netns', { skip: ctx.skip })) return
    await block(host3, 22)
    await cut(host3)
    await kill(host3)
    await resetHost(host3)
    expect(await hostStatus(host3)).toEqual({ name: host3.name, address: host3.address, port: 22, up: true, sshd: true, linkUp: true, blockedPorts: [] })
    expect((await ssh(host3, 'hostname')).stdout.trim()).toBe(host3.hostname)
  })
})

describe('requireNetns', () => {
  const loopbackLab = () => ({ ...lab, mode: 'loopback' as const })
  const ci = process.env.CI
  afterEach(() => {
    if (ci === undefined) delete process.env.CI
    else process.env.CI = ci
  })

  it('fails the run in CI when a lab test cannot run', () => {
    process.env.CI = 'true'
    expect(() => requireNetns('needs a link', { lab: loopbackLab() })).toThrow(/NOT RUN: needs a link/)
  })

  it('says NOT RUN outside CI, and passes in netns mode', () => {
    delete process.env.CI
    expect(requireNetns('needs a link', { lab: loopbackLab() })).toBe(false)
    expect(requireNetns('needs a link', { lab: { ...lab, mode: 'netns' } })).toBe(true)
  })
})
