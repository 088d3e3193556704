// The pure parts of host prepare and host clean: the checks' output parsed, the lines to add,
// the install plan's text, what a clean finds ours.
import { describe, expect, it } from 'vitest'
import { planOperation } from '../../operations'
import { installKind, parseSize, formatDownload } from '../../engines/postgres/install'
import { buildChecks, chooseMajor, parseFacts } from './checks'
import { journaledTraces, parseSurvey, pgpassWithout, usersOf } from './clean-survey'
import { pgCluster } from '../../../../shared/postgres'

const bare = `login=rdadmin
os_id=debian
os_like=
os_name=Debian GNU/Linux 12 (bookworm)
apt=yes
offered=15
offered=13
createcluster=yes
pguser=yes
root=no
becomepg=no
aptrule=no
ip=/usr/sbin/ip
arping=/usr/bin/arping
iprule=no`

describe('host prepare checks', () => {
  it('parses the check script and names the exact line for each missing thing', () => {
    const f = parseFacts(bare)
    expect(f).toMatchObject({ login: 'rdadmin', apt: true, installed: [], offered: ['13', '15'], root: false, becomePostgres: 'no' })
    expect(chooseMajor(f)).toBe('15')
    expect(chooseMajor(f, '13')).toBe('13')
    const checks = buildChecks('b1', f, { state: 'refused' }, '15')
    const byId = Object.fromEntries(checks.map((c) => [c.id, c]))
    expect(byId.system!.state).toBe('ok')
    expect(byId.postgres!.state).toBe('missing')
    expect(byId.postgres!.fix).toContain('replicadesk host prepare b1 --install')
    expect(byId['become-postgres']!.fix).toBe('on b1: sudo visudo -f /etc/sudoers.d/replicadesk-user-rdadmin, add: rdadmin ALL=(postgres) NOPASSWD: ALL')
    expect(byId['root-install']!.fix).toBe('on b1: sudo visudo -f /etc/sudoers.d/replicadesk-user-rdadmin, add: rdadmin ALL=(root) NOPASSWD: /usr/bin/apt-get install -y postgresql-[0-9]*, /usr/bin/tee -a /etc/postgresql-common/createcluster.conf')
    expect(byId['root-address']!.fix).toBe('on b1: sudo visudo -f /etc/sudoers.d/replicadesk-address, add: rdadmin ALL=(root) NOPASSWD: /usr/sbin/ip -4 addr add *, /usr/sbin/ip -4 addr del *, /usr/bin/arping')
    expect(byId['stream-local']!.fix).toContain('AllowStreamLocalForwarding local')
  })

  it('is all ok for a root-capable admin on a host with PostgreSQL', () => {
    const f = parseFacts(`${bare}\ninstalled=15\nroot=yes`.replace('root=no\n', '').replace('becomepg=no', 'becomepg=yes'))
    const checks = buildChecks('h', f, { state: 'allowed' }, '15')
    expect(checks.filter((c) => c.state !== 'ok')).toEqual([])
  })

  it('gives the command to run by hand on a system without apt', () => {
    const f = parseFacts('login=postgres\nos_id=fedora\nos_name=Fedora Linux 40\napt=no\nbecomepg=self')
    const checks = buildChecks('f1', f, { state: 'unknown', why: 'no perl' }, undefined)
    expect(checks[0]).toMatchObject({ id: 'system', state: 'missing' })
    expect(checks[0]!.fix).toContain('dnf install')
    expect(checks.find((c) => c.id === 'become-postgres')!.state).toBe('ok')
  })
})

describe('the install plan', () => {
  const fake = { exec: async () => { throw new Error('plan runs nothing') } }
  const remote = { run: async () => { throw new Error('plan runs nothing') } }
  const params = { host: 'b1', major: '15', mainExisted: false, access: 'sudo' as const, downloadBytes: 17_400_000 }

  it('writes createcluster.conf before the install, and names the package and size', async () => {
    const def = installKind(fake).create({ clusterId: 'host.b1', params: { ...params, method: 'conf' }, members: ['b1'] })
    const plan = await planOperation(def, remote)
    expect(plan.steps.map((s) => s.id)).toEqual(['no-main', 'install', 'verify'])
    expect(plan.steps[0]!.commands[0]!.argv).toEqual(['sudo', '-n', 'tee', '-a', '/etc/postgresql-common/createcluster.conf'])
    expect(plan.steps[1]!.commands[0]!.argv).toEqual(['sudo', '-n', 'apt-get', 'install', '-y', 'postgresql-15'])
    expect(plan.steps[1]!.title).toBe('Install PostgreSQL 15 (download 17.4 MB)')
  })

  it('removes the empty main cluster after the install when createcluster.conf is not there yet', async () => {
    const def = installKind(fake).create({ clusterId: 'host.b1', params: { ...params, method: 'drop-main', downloadBytes: null }, members: ['b1'] })
    const plan = await planOperation(def, remote)
    expect(plan.steps.map((s) => s.id)).toEqual(['install', 'drop-main', 'verify'])
    expect(plan.steps[0]!.title).toContain('download size unknown')
    expect(plan.steps[1]!.commands[0]).toMatchObject({ argv: ['pg_dropcluster', '--stop', '15', 'main'], runAs: 'postgres' })
  })

  it('reads apt\'s size', () => {
    expect(parseSize('17400000\n')).toBe(17_400_000)
    expect(parseSize('unknown\n')).toBeNull()
    expect(formatDownload(null)).toBe('download size unknown: apt could not tell')
  })
})

describe('host clean, pure parts', () => {
  it('parses the surveys', () => {
    const s = parseSurvey('home /var/lib/postgresql/.replicadesk\npgpass', 'root /etc/sudoers.d/replicadesk-address\nroot /var/lib/replicadesk/etcd\nunit /etc/systemd/system/replicadesk-etcd.service\nconf\nroot=yes\naddr eth0@if12 10.77.3.200/24')
    expect(s).toMatchObject({ homes: ['/var/lib/postgresql/.replicadesk'], pgpass: true, conf: true, root: true, rootPaths: ['/etc/sudoers.d/replicadesk-address', '/var/lib/replicadesk/etcd'], addrs: [{ iface: 'eth0', cidr: '10.77.3.200/24' }] })
  })

  it('finds addresses and roles in journaled params, and drops only ReplicaDesk\'s pgpass lines', () => {
    expect(journaledTraces([{ cluster: { replicationRole: 'rep', serviceAddress: { address: '10.0.0.9' } } }, null])).toEqual({ addresses: ['10.0.0.9'], roles: ['rep'] })
    const file = '10.0.0.1:5432:*:replicadesk:pw\n*:*:*:alice:secret\n10.0.0.2:5433:*:rep:pw2\n'
    expect(pgpassWithout(file, ['replicadesk', 'rep'])).toEqual({ text: '*:*:*:alice:secret\n', removed: 2 })
    expect(pgpassWithout('10.0.0.1:5432:*:replicadesk:pw\n', ['replicadesk'])).toEqual({ text: '', removed: 1 })
  })

  it('names the cluster that still uses the host, and what to do', () => {
    const c = pgCluster.parse({ id: 'demo', major: '15', members: [{ name: 'm1', host: 'b1', address: '10.0.0.1', dataDir: '/srv/m1', access: 'sudo' }] })
    expect(usersOf([c], 'b1')).toEqual(['cluster demo (member m1): remove it first with `replicadesk replica remove demo m1`, or `replicadesk cluster forget demo` if the cluster is gone'])
    expect(usersOf([c], 'b2')).toEqual([])
  })
})
