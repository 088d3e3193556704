// host prepare and host clean through the CLI, on a bare lab host (no PostgreSQL; apt-get is the
// lab's stand-in): without sudo every missing item is reported with its line; with sudo,
// --install installs exactly the package its plan names, without a main cluster, and a cluster
// is then created there; host clean refuses while a cluster record uses the host, and afterwards
// leaves nothing of ReplicaDesk's (listed before and after). host1 refuses stream-local forwarding.
// With root through sudo -n, --sudo-rule writes the login's rule (visudo-checked, 0440) and sudo
// then allows what it says (killed mid-way, `operation abandon` removes it); an install killed
// mid-way is finished by `operation resume`; the other
// members' database port is tested from the host.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aptRequests, block, exec, ownLab, requireNetns, unblock, type Lab, type OwnLab } from '../../../../e2e/lab'
import { runCli } from '../../../cli/main'
import { sudoersLine } from '../../address'
import { WRITE_SCRIPT } from './sudo-rule'

let own: OwnLab | undefined
let lab: Lab
const dir = mkdtempSync(join(tmpdir(), 'rd-prepare-'))
const dataDir = join(dir, 'data')
const PGDATA = '/srv/rd-prepare/m1'
const RULE = '/etc/sudoers.d/replicadesk-user-rdadmin'

type Report = { ready: boolean; installed: string[]; sudoRule?: { file: string; lines: string[]; writable: boolean }; checks: { id: string; state: string; detail: string; fix?: string }[] }
const checksOf = (r: Report) => Object.fromEntries(r.checks.map((c) => [c.id, c]))

async function cli(...argv: string[]) {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli([...argv, '--data-dir', dataDir], { out: (t) => out.push(t), err: (t) => err.push(t), invokedAs: 'replicadesk', progress: { isTerminal: false, write: () => undefined } })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

/** The CLI as its own process, killed by the runner at a fault point (REPLICADESK_FAULT). */
const cliProcess = (fault: string, ...argv: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'electron/cli/bin.ts', ...argv, '--data-dir', dataDir], { env: { ...process.env, REPLICADESK_FAULT: fault }, encoding: 'utf8', timeout: 120_000 })

// Every path where ReplicaDesk leaves something, as root on the host: what exists of them.
const TRACES = `for p in /var/lib/postgresql/.replicadesk /home/rdadmin/.replicadesk /var/lib/postgresql/.pgpass /etc/sudoers.d/replicadesk /etc/sudoers.d/replicadesk-address ${RULE} /var/lib/replicadesk/* /etc/systemd/system/replicadesk-*.service; do [ -e "$p" ] && echo "$p"; done
grep -q 'ReplicaDesk' /etc/postgresql-common/createcluster.conf && echo createcluster.conf
true`
const traces = async () => (await exec('bare1', ['sh', '-c', TRACES], { lab })).stdout.trim().split('\n').filter(Boolean)

beforeAll(async () => {
  if (!requireNetns('a bare host needs its own mount namespace')) return
  own = await ownLab('host-prepare', { hosts: 1, bareHosts: ['bare1'], mode: 'netns', sshdOptions: { host1: ['AllowStreamLocalForwarding no'] } })
  lab = own.lab
  writeFileSync(join(dir, 'known_hosts'), lab.hosts.map((h) => `${h.address} ${h.hostKeyPublic}\n`).join(''))
  Object.assign(process.env, { REPLICADESK_KNOWN_HOSTS: join(dir, 'known_hosts'), REPLICADESK_SSH_CONFIG: join(dir, 'no-config') })
  const [host1, bare1] = [lab.hosts.find((h) => h.name === 'host1')!, lab.hosts.find((h) => h.name === 'bare1')!]
  for (const [name, address] of [['b1', bare1.address], ['h1', host1.address]] as const) {
    expect((await cli('host', 'add', name, '--address', address, '--user', lab.users.admin, '--identity-file', lab.clientKeyPath)).code).toBe(0)
  }
}, 120_000)
afterAll(async () => {
  await own?.down()
})

describe('host prepare', () => {
  it('without sudo, reports each missing item with the line to add, and refuses to install', async (ctx) => {
    if (!own) return ctx.skip()
    // The admin without its sudo rule (a name with a dot is not read by sudo).
    expect((await exec('bare1', ['mv', '/etc/sudoers.d/rdadmin', '/etc/sudoers.d/rdadmin.off'], { lab })).code).toBe(0)
    try {
      const r = await cli('host', 'prepare', 'b1', '--json')
      expect(r.code, r.err).toBe(0)
      const report = JSON.parse(r.out) as { ready: boolean; installed: string[]; checks: { id: string; state: string; fix?: string }[] }
      const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]))
      expect(report.ready).toBe(false)
      expect(report.installed).toEqual([])
      expect(byId.postgres).toMatchObject({ state: 'missing', fix: expect.stringContaining('replicadesk host prepare b1 --install') })
      expect(byId['become-postgres']).toMatchObject({ state: 'missing', fix: `on b1: sudo visudo -f ${RULE}, add: rdadmin ALL=(postgres) NOPASSWD: ALL` })
      expect(byId['root-install']!.fix).toContain('rdadmin ALL=(root) NOPASSWD: /usr/bin/apt-get install -y postgresql-[0-9]*')
      expect(byId['root-address']!.fix).toContain(sudoersLine('rdadmin'))
      expect(byId['stream-local']!.state).toBe('ok')
      const human = await cli('host', 'prepare', 'b1')
      expect(human.out).toContain('MISSING Act as postgres')
      expect(human.out).toContain(`→ on b1: sudo visudo -f ${RULE}, add: rdadmin ALL=(postgres) NOPASSWD: ALL`)
      const install = await cli('host', 'prepare', 'b1', '--install', '--yes')
      expect(install.code).toBe(1)
      expect(install.err).toContain('may not run `sudo -n apt-get install`')
      expect(aptRequests('bare1', lab)).toEqual([])
    } finally {
      await exec('bare1', ['mv', '/etc/sudoers.d/rdadmin.off', '/etc/sudoers.d/rdadmin'], { lab })
    }
  })

  it('writes the sudo rule through sudo -n: visudo-checked, 0440, and sudo then allows what it says', async (ctx) => {
    if (!own) return ctx.skip()
    // Root through sudo, but not postgres: the postgres rule is what is missing.
    const broad = 'mv /etc/sudoers.d/rdadmin /etc/sudoers.d/rdadmin.off && echo "rdadmin ALL=(root) NOPASSWD: ALL" > /etc/sudoers.d/rdadmin-root && chmod 440 /etc/sudoers.d/rdadmin-root'
    expect((await exec('bare1', ['sh', '-c', broad], { lab })).code).toBe(0)
    try {
      const report = JSON.parse((await cli('host', 'prepare', 'b1', '--json')).out) as Report
      expect(checksOf(report)['become-postgres']).toMatchObject({ state: 'missing', fix: expect.stringContaining('replicadesk host prepare b1 --sudo-rule') })
      expect(report.sudoRule).toMatchObject({ file: RULE, writable: true })

      // A file visudo refuses never reaches sudo (the script as the step runs it, as root).
      const listing = async () => (await exec('bare1', ['ls', '-A', '/etc/sudoers.d'], { lab })).stdout
      const before = await listing()
      const refused = await exec('bare1', ['sh', '-c', WRITE_SCRIPT, 'sh', '/etc/sudoers.d/replicadesk-broken'], { lab, input: 'rdadmin ALL=(postgres NOPASSWD ALL\n' })
      expect(refused.code, refused.stderr).toBe(3)
      expect(await listing()).toBe(before)

      // Killed once the file is in place: abandon (the core's runner) undoes exactly that file.
      const killed = cliProcess('after:write', 'host', 'prepare', 'b1', '--sudo-rule', '--yes')
      expect(killed.signal, killed.stderr).toBe('SIGKILL')
      expect((await exec('bare1', ['test', '-f', RULE], { lab })).code).toBe(0)
      const op = (JSON.parse((await cli('operation', 'list', '--json')).out) as { id: string; kind: string; status: string }[]).find((o) => o.kind === 'write-sudo-rule')!
      expect(op.status).toBe('interrupted')
      const abandoned = await cli('operation', 'abandon', op.id)
      expect(abandoned.code, abandoned.err).toBe(0)
      expect((await exec('bare1', ['test', '-e', RULE], { lab })).code).not.toBe(0)
      expect(await listing()).toBe(before)

      const plan = await cli('host', 'prepare', 'b1', '--sudo-rule', '--dry-run', '--json')
      expect(plan.code, plan.err).toBe(0)
      expect((JSON.parse(plan.out) as { plan: { steps: { id: string }[] } }).plan.steps.map((s) => s.id)).toEqual(['write', 'verify'])
      const run = await cli('host', 'prepare', 'b1', '--sudo-rule', '--yes')
      expect(run.code, run.err).toBe(0)
      expect((await exec('bare1', ['stat', '-c', '%a %U %G', RULE], { lab })).stdout.trim()).toBe('440 root root')
      const text = (await exec('bare1', ['cat', RULE], { lab })).stdout
      for (const line of report.sudoRule!.lines) expect(text).toContain(line)

      // Without the broad rule: exactly what the rule names, nothing more.
      expect((await exec('bare1', ['rm', '/etc/sudoers.d/rdadmin-root'], { lab })).code).toBe(0)
      const asAdmin = async (...argv: string[]) => (await exec('bare1', argv, { lab, user: 'rdadmin' })).code
      expect(await asAdmin('sudo', '-n', '-u', 'postgres', 'true')).toBe(0)
      expect(await asAdmin('sudo', '-n', '-l', '/usr/bin/apt-get', 'install', '-y', 'postgresql-15')).toBe(0)
      expect(await asAdmin('sudo', '-n', 'true')).not.toBe(0)
      const after = checksOf(JSON.parse((await cli('host', 'prepare', 'b1', '--json')).out) as Report)
      expect([after['become-postgres']!.state, after['root-install']!.state, after['root-address']!.state]).toEqual(['ok', 'ok', 'ok'])
    } finally {
      await exec('bare1', ['sh', '-c', 'rm -f /etc/sudoers.d/rdadmin-root; mv /etc/sudoers.d/rdadmin.off /etc/sudoers.d/rdadmin'], { lab })
    }
  })

  it('says when sshd refuses stream-local forwarding, with the setting', async (ctx) => {
    if (!own) return ctx.skip()
    const r = await cli('host', 'prepare', 'h1', '--json')
    const check = (JSON.parse(r.out) as { checks: { id: string; state: string; fix?: string }[] }).checks.find((c) => c.id === 'stream-local')!
    expect(check.state).toBe('missing')
    expect(check.fix).toContain('AllowStreamLocalForwarding local')
  })

  it('installs exactly the package its plan names, without a main cluster; a cluster is then created there', async (ctx) => {
    if (!own) return ctx.skip()
    const plan = await cli('host', 'prepare', 'b1', '--install', '--dry-run', '--json')
    expect(plan.code, plan.err).toBe(0)
    const steps = (JSON.parse(plan.out) as { plan: { steps: { id: string; commands: { argv: string[] }[] }[] } }).plan.steps
    expect(steps.map((s) => s.id)).toEqual(['no-main', 'install', 'verify'])
    const installArgv = steps[1]!.commands[0]!.argv
    expect(installArgv).toEqual(['sudo', '-n', 'apt-get', 'install', '-y', 'postgresql-15'])
    expect((await cli('host', 'prepare', 'b1', '--install', '--dry-run')).out).toContain('download size unknown')
    expect(aptRequests('bare1', lab)).toEqual([])

    // Killed right after apt-get returned (the journal does not say the step is done): the
    // core's runner resumes it, the install step's check sees the binaries and apt is not asked again.
    const killed = cliProcess('after:install', 'host', 'prepare', 'b1', '--install', '--yes')
    expect(killed.signal, killed.stderr).toBe('SIGKILL')
    const ops = JSON.parse((await cli('operation', 'list', '--json')).out) as { id: string; kind: string; status: string }[]
    const interrupted = ops.find((o) => o.kind === 'install-postgres')!
    expect(interrupted.status).toBe('interrupted')
    const run = await cli('operation', 'resume', interrupted.id)
    expect(run.code, run.err).toBe(0)
    expect((JSON.parse((await cli('operation', 'get', interrupted.id, '--json')).out) as { status: string; steps: { id: string; status: string }[] }).steps.map((st) => `${st.id}:${st.status}`)).toEqual(['no-main:skipped', 'install:skipped', 'verify:done'])
    // The stand-in records the verb and the package names (apt's options are not kept).
    expect(aptRequests('bare1', lab)).toEqual([`install ${installArgv.slice(4).filter((a) => !a.startsWith('-')).join(' ')}`])
    expect((await exec('bare1', ['pg_lsclusters', '-h'], { lab })).stdout.trim()).toBe('')
    const after = JSON.parse((await cli('host', 'prepare', 'b1', '--json')).out) as { installed: string[]; ready: boolean }
    expect(after).toMatchObject({ installed: ['15'], ready: true })

    const create = await cli('cluster', 'create', 'prep', '--member', 'm1', '--host', 'b1', '--pgdata', PGDATA)
    expect(create.code, create.err).toBe(0)
    // …and a replica of it added on another host: the prepared box serves as a primary.
    const add = await cli('replica', 'add', 'prep', 'm2', '--host', 'h1', '--pgdata', '/srv/rd-prepare/m2')
    expect(add.code, add.err).toBe(0)
    const streaming = await exec('bare1', ['psql', '-Atc', "SELECT application_name || '=' || state FROM pg_stat_replication", '-p', '5432'], { lab, user: 'postgres' })
    expect(streaming.stdout.trim()).toBe('m2=streaming')
  })

  it('tests from a host that it reaches the other members on their database port', async (ctx) => {
    if (!own) return ctx.skip()
    const reach = async () => checksOf(JSON.parse((await cli('host', 'prepare', 'h1', '--json')).out) as Report)['reach-members']!
    expect(await reach()).toMatchObject({ state: 'ok', detail: expect.stringContaining('prep/m1') })
    await block('bare1', 5432, lab)
    try {
      const blocked = await reach()
      expect(blocked.state).toBe('missing')
      expect(blocked.detail).toMatch(/prep\/m1 \(10\.[\d.]+:5432\): (refused|no answer)/)
      expect(blocked.fix).toContain('allow TCP from h1 to')
    } finally {
      await unblock('bare1', 5432, lab)
    }
    const human = await cli('host', 'test', 'h1')
    expect(human.out).toContain('Other members reachable on their database port')
  })
})

describe('host clean', () => {
  it('refuses while a cluster uses the host, then leaves nothing of ReplicaDesk\'s (data dir stays)', async (ctx) => {
    if (!own) return ctx.skip()
    // Traces other features leave: the address rule, etcd's data dir.
    await exec('bare1', ['sh', '-c', 'printf "%s\\n" "$1" > /etc/sudoers.d/replicadesk-address && chmod 440 /etc/sudoers.d/replicadesk-address && mkdir -p /var/lib/replicadesk/etcd', 'sh', sudoersLine('rdadmin')], { lab })
    const refused = await cli('host', 'clean', 'b1', '--yes')
    expect(refused.code).toBe(1)
    expect(refused.err).toContain('cluster prep (member m1)')
    expect(refused.err).toContain('replicadesk replica remove prep m1')

    const forgot = await cli('cluster', 'forget', 'prep')
    expect(forgot.code, forgot.err).toBe(0)
    // Forgetting offers the clean of the hosts no other cluster uses, as a command to paste.
    expect(forgot.out).toContain('nothing changed on the servers')
    expect(forgot.out).toMatch(/host clean b1( |$)/m)
    const before = await traces()
    expect(before).toEqual(expect.arrayContaining(['/var/lib/postgresql/.replicadesk', '/var/lib/postgresql/.pgpass', '/etc/sudoers.d/replicadesk-address', '/var/lib/replicadesk/etcd', 'createcluster.conf']))
    const dry = await cli('host', 'clean', 'b1', '--dry-run')
    expect(dry.code, dry.err).toBe(0)
    expect(dry.out).toContain('/var/lib/postgresql/.replicadesk')
    expect(dry.out).toContain('Left in place: data dirs')
    expect(await traces()).toEqual(before)

    const unconfirmed = await cli('host', 'clean', 'b1')
    expect(unconfirmed.code).toBe(1)
    expect(unconfirmed.err).toContain('--yes')
    const clean = await cli('host', 'clean', 'b1', '--yes')
    expect(clean.code, clean.err).toBe(0)
    expect(clean.out).toContain('Left in place:')
    expect(await traces()).toEqual([])
    expect((await exec('bare1', ['test', '-f', `${PGDATA}/PG_VERSION`], { lab })).code).toBe(0)
    expect((await cli('host', 'clean', 'b1', '--yes')).out).toContain("nothing of ReplicaDesk's to remove")
  })
})
