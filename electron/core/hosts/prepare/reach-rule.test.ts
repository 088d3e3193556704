// The pure parts of the reachability check (targets, the script's answers as a check) and of
// the sudo rule ReplicaDesk writes (its lines, the file's name, the text).
import { describe, expect, it } from 'vitest'
import { pgCluster } from '../../../../shared/postgres'
import { parseFacts, prepareSudoersFile, reportOf, ruleCommands, ruleLines } from './checks'
import { reachCheck, reachTargets } from './reach'
import { ruleText } from './sudo-rule'

const member = (name: string, host: string, address: string, port = 5432) => ({ name, host, address, port, dataDir: `/srv/${name}`, access: 'sudo' as const })
const demo = pgCluster.parse({ id: 'demo', major: '15', replicationRole: 'replicadesk', members: [member('pg1', 'host1', '10.0.0.1'), member('pg2', 'host2', '10.0.0.2', 5433)] })
const other = pgCluster.parse({ id: 'other', major: '15', replicationRole: 'replicadesk', members: [member('o1', 'host2', '10.0.0.2', 5433), member('o2', 'host4', '10.0.0.4')] })

describe('reachability of the other members', () => {
  it('targets the members on other hosts, each address and port once', () => {
    expect(reachTargets([demo, other], 'host1')).toEqual([
      { label: 'demo/pg2', address: '10.0.0.2', port: 5433 },
      { label: 'other/o2', address: '10.0.0.4', port: 5432 },
    ])
  })

  it('is ok when every port opened, missing with the reason per member and the firewall line otherwise', () => {
    const targets = reachTargets([demo, other], 'host1')
    expect(reachCheck('host3', targets, { stdout: 'reach demo/pg2 open\nreach other/o2 open\n' })).toMatchObject({ state: 'ok', detail: 'reaches demo/pg2 (10.0.0.2:5433), other/o2 (10.0.0.4:5432)' })
    const bad = reachCheck('host3', targets, { stdout: 'reach demo/pg2 refused\nreach other/o2 timeout\n' })
    expect(bad.state).toBe('missing')
    expect(bad.detail).toBe('demo/pg2 (10.0.0.2:5433): refused (nothing listens there, or a firewall rejects it); other/o2 (10.0.0.4:5432): no answer within 3 s (a firewall drops it, or the host is down)')
    expect(bad.fix).toContain('allow TCP from host3 to 10.0.0.2:5433, 10.0.0.4:5432')
    expect(reachCheck('host3', targets, { stdout: 'reach demo/pg2 unreachable No route to host\n' }).detail).toContain('demo/pg2 (10.0.0.2:5433): unreachable (No route to host); other/o2 (10.0.0.4:5432): not tested')
    expect(reachCheck('host3', targets, { error: 'no bash on host3' })).toMatchObject({ state: 'unknown' })
    expect(reachCheck('host3', [], { stdout: '' })).toMatchObject({ state: 'ok', detail: expect.stringContaining('no member') })
  })
})

describe('the sudo rule ReplicaDesk writes', () => {
  const facts = parseFacts('login=rd.admin\nroot=yes\nbecomepg=no\nip=/usr/sbin/ip\narping=/usr/bin/arping')

  it('holds the lines of the checks, in a file sudo reads (no dot in its name)', () => {
    expect(prepareSudoersFile('rd.admin')).toBe('/etc/sudoers.d/replicadesk-user-rd_admin')
    expect(ruleLines(facts)).toEqual([
      'rd.admin ALL=(postgres) NOPASSWD: ALL',
      'rd.admin ALL=(root) NOPASSWD: /usr/bin/apt-get install -y postgresql-[0-9]*, /usr/bin/tee -a /etc/postgresql-common/createcluster.conf',
      'rd.admin ALL=(root) NOPASSWD: /usr/sbin/ip -4 addr add *, /usr/sbin/ip -4 addr del *, /usr/bin/arping',
    ])
    expect(ruleCommands(facts, '15')[0]).toEqual(['-u', 'postgres', 'true'])
    expect(ruleText({ host: 'b1', lines: ['a', 'b'] })).toBe('# Written by ReplicaDesk (host prepare --sudo-rule); `replicadesk host clean b1` removes it.\na\nb\n')
  })

  it('needs no postgres line for the postgres login, and says when ReplicaDesk can write it', () => {
    const pg = parseFacts('login=postgres\nroot=no\nbecomepg=self')
    expect(ruleLines(pg)).toHaveLength(2)
    expect(ruleCommands(pg, '15').some((c) => c.includes('postgres') && c[0] === '-u')).toBe(false)
    expect(reportOf('h', pg, []).sudoRule).toMatchObject({ file: '/etc/sudoers.d/replicadesk-user-postgres', writable: false })
    expect(reportOf('h', facts, []).sudoRule!.writable).toBe(true)
    expect(reportOf('h', parseFacts('login=root\nroot=yes'), []).sudoRule).toBeUndefined()
  })
})
