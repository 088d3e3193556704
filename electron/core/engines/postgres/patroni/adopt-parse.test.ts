// The adopt's discovery parsing (pure): Patroni's answers and the members' configs turned into a
// record, and everything it refuses with what to do.
import { describe, expect, it } from 'vitest'
import { adoptedCluster, hostPart, membersOnHosts, parseDynamic, parseMemberConfig, parseView, type AdoptHost, type MemberConfig } from './adopt-parse'
import { CA_FILE } from './config'

const hosts: AdoptHost[] = [1, 2, 3].map((i) => ({ name: `host${i}`, address: `10.0.0.1${i}`, user: 'admin', access: 'sudo' as const }))
const via = hosts[0]!

const member = (i: number, role: string, extra: Record<string, unknown> = {}) => ({ name: `pt${i}`, role, state: 'running', api_url: `http://10.0.0.1${i}:8008/patroni`, host: `10.0.0.1${i}`, port: 5460, timeline: 1, ...extra })
const viewBody = JSON.stringify({ members: [member(2, 'sync_standby'), member(1, 'leader'), member(3, 'replica', { tags: { nofailover: true } })] })

const config = (i: number, extra: Partial<MemberConfig> = {}): MemberConfig => ({
  file: `/etc/patroni/15-pt${i}.yml`,
  scope: 'pt',
  name: `pt${i}`,
  data_dir: `/var/lib/postgresql/ha/pt${i}`,
  bin_dir: '/usr/lib/postgresql/15/bin',
  config_dir: null,
  listen: `10.0.0.1${i}:5460`,
  connect_address: `10.0.0.1${i}:5460`,
  replication_user: 'replicadesk',
  socket_dir: '/var/run/postgresql',
  etcd3_hosts: [i, ...[1, 2, 3].filter((x) => x !== i)].map((x) => `10.0.0.1${x}:2379`),
  etcd_v2: false,
  cacert: CA_FILE,
  restapi_auth: 'ours',
  pg_version: '15',
  tags: {},
  ...extra,
})
const configs = (f: (i: number) => MemberConfig = (i) => config(i)) => new Map([1, 2, 3].map((i) => [`pt${i}`, f(i)] as const))
const dynamic = parseDynamic('host1', JSON.stringify({ ttl: 10, loop_wait: 2, synchronous_mode: true, synchronous_mode_strict: true, synchronous_node_count: 1, maximum_lag_on_failover: 8388608, postgresql: { parameters: { synchronous_commit: 'remote_apply', wal_keep_size: '2GB' } } }))

describe('adopting a Patroni cluster: discovery parsing', () => {
  it('records the members, ports, data dirs, tags, synchronous mode and etcd voters Patroni reports', () => {
    const placed = membersOnHosts(parseView('host1', viewBody), hosts, via)
    const a = adoptedCluster({ id: 'adopted', restApiPort: 8008, placed, configs: configs(), dynamic, hosts })
    expect(a.leader).toBe('pt1')
    expect(a.notes).toEqual([])
    const c = a.cluster
    expect(c).toMatchObject({ id: 'adopted', major: '15', replicationRole: 'replicadesk', sync: { method: 'ANY', num: 1 }, maxLagBytes: 8388608, synchronousCommit: 'remote_apply', walKeepSize: '2GB' })
    expect(c.automatic).toEqual({ mode: 'patroni', scope: 'pt', restApiPort: 8008, etcdHosts: ['host1', 'host2', 'host3'] })
    expect(c.members.map((m) => [m.name, m.host, m.address, m.port, m.dataDir, m.layout, m.access, m.sync, m.neverPromote, m.binDir])).toEqual([
      ['pt1', 'host1', '10.0.0.11', 5460, '/var/lib/postgresql/ha/pt1', 'plain', 'sudo', true, false, undefined],
      ['pt2', 'host2', '10.0.0.12', 5460, '/var/lib/postgresql/ha/pt2', 'plain', 'sudo', true, false, undefined],
      ['pt3', 'host3', '10.0.0.13', 5460, '/var/lib/postgresql/ha/pt3', 'plain', 'sudo', true, true, undefined],
    ])
  })

  it('reads Debian layouts, another bin dir, nosync, synchronous mode off, and says what works differently', () => {
    const view = parseView('host1', JSON.stringify({ members: [member(1, 'leader'), member(2, 'replica', { tags: { nosync: true } })] }))
    const placed = membersOnHosts(view, hosts, via)
    const cfg = (i: number) => config(i, { config_dir: '/etc/postgresql/15/main', bin_dir: '/opt/pg15/bin', etcd3_hosts: ['10.0.0.11:2379', '10.0.0.12:2379'], restapi_auth: i === 2 ? 'other' : 'ours', cacert: '/etc/ssl/etcd-ca.pem' })
    const a = adoptedCluster({ id: 'deb', restApiPort: 8009, placed, configs: new Map([1, 2].map((i) => [`pt${i}`, cfg(i)] as const)), dynamic: parseDynamic('host1', '{"synchronous_mode": false}'), hosts })
    expect(a.cluster.members.map((m) => [m.layout, m.debianName, m.binDir, m.sync])).toEqual([['debian', 'main', '/opt/pg15/bin', false], ['debian', 'main', '/opt/pg15/bin', false]])
    expect(a.cluster.automatic).toMatchObject({ restApiPort: 8009, etcdHosts: ['host1', 'host2'] })
    expect(a.notes.join(' ')).toMatch(/REST API password of pt2 is not ReplicaDesk's/)
    expect(a.notes.join(' ')).toMatch(/not reached with ReplicaDesk's certificates/)
  })

  it('refuses a member on a host that is no record, with the exact `replicadesk host add`', () => {
    const view = parseView('host1', JSON.stringify({ members: [member(1, 'leader'), { ...member(4, 'replica'), host: '10.0.0.99' }] }))
    expect(() => membersOnHosts(view, hosts, via)).toThrow('`replicadesk host add pt4-host --address 10.0.0.99 --user admin`')
    // No connect address: the REST API's host tells where it runs.
    const noHost = parseView('host1', JSON.stringify({ members: [{ name: 'pt1', role: 'leader', state: 'running', api_url: 'http://[fd00::9]:8008/patroni' }] }))
    expect(() => membersOnHosts(noHost, hosts, via)).toThrow('--address fd00::9')
  })

  it('refuses member names ReplicaDesk cannot record, and a cluster without a leader', () => {
    for (const odd of ['PG.Node1', '1node', 'node one', 'x'.repeat(41)]) {
      const view = parseView('host1', JSON.stringify({ members: [{ ...member(1, 'leader'), name: odd }] }))
      expect(() => membersOnHosts(view, hosts, via), odd).toThrow(/cannot record/)
    }
    const placed = membersOnHosts(parseView('host1', JSON.stringify({ members: [member(1, 'replica'), member(2, 'replica'), member(3, 'replica')] })), hosts, via)
    expect(() => adoptedCluster({ id: 'x', restApiPort: 8008, placed, configs: configs(), dynamic, hosts })).toThrow(/no leader/)
  })

  it('refuses etcd voters it cannot read: off the members\' hosts, unknown, or etcd v2', () => {
    const placed = membersOnHosts(parseView('host1', JSON.stringify({ members: [member(1, 'leader'), member(2, 'replica')] })), hosts, via)
    const two = (f: (i: number) => MemberConfig) => new Map([1, 2].map((i) => [`pt${i}`, f(i)] as const))
    expect(() => adoptedCluster({ id: 'x', restApiPort: 8008, placed, configs: two((i) => config(i)), dynamic, hosts })).toThrow(/etcd voter on host3 carries no member/)
    expect(() => adoptedCluster({ id: 'x', restApiPort: 8008, placed, configs: two((i) => config(i, { etcd3_hosts: ['etcd.lan:2379'] })), dynamic, hosts })).toThrow('`replicadesk host add etcd-etcd.lan --address etcd.lan --user admin`')
    expect(() => adoptedCluster({ id: 'x', restApiPort: 8008, placed, configs: two((i) => config(i, { etcd3_hosts: [], etcd_v2: true })), dynamic, hosts })).toThrow(/etcd v2 API/)
  })

  it('refuses answers that are not what Patroni sends, naming the host', () => {
    expect(() => parseView('host2', '<html>502 Bad Gateway</html>')).toThrow("host2: Patroni's GET /cluster is not JSON: <html>502")
    expect(() => parseView('host2', '')).toThrow(/not JSON: \(empty\)/)
    expect(() => parseView('host2', '{"members": []}')).toThrow(/host2: .*not what Patroni 3.0 answers \(members/)
    expect(() => parseView('host2', '{"members": [{"role": "leader"}]}')).toThrow(/members\.0\.name/)
    expect(() => parseDynamic('host2', '{"synchronous_mode": "yes"}')).toThrow(/synchronous_mode/)
    expect(() => parseMemberConfig('host2', 'pt2', 'pt', 'Traceback (most recent call last)')).toThrow(/host2: the Patroni config read of pt2 is not JSON/)
  })

  it('takes the one config of the member and scope; none or several refused', () => {
    const answer = (found: MemberConfig[], unreadable: string[] = []) => JSON.stringify({ found, unreadable })
    expect(parseMemberConfig('host2', 'pt2', 'pt', answer([config(2), config(2, { scope: 'other', file: '/etc/patroni/o.yml' })])).file).toBe('/etc/patroni/15-pt2.yml')
    expect(() => parseMemberConfig('host2', 'pt2', 'pt', answer([], ['/etc/patroni/x.yml (PermissionError)']))).toThrow(/no Patroni config for member pt2 of scope pt .*PermissionError/)
    expect(() => parseMemberConfig('host2', 'pt2', 'pt', answer([config(2), config(2, { file: '/etc/patroni/old.yml' })]))).toThrow(/several Patroni configs .*old\.yml/)
  })

  it('finds the host in host:port, [v6]:port and URLs', () => {
    expect(['10.0.0.1:2379', '[fd00::1]:2379', 'https://db1.lan:2379', 'http://10.0.0.2:8008/patroni', 'db2', 'fd00::2'].map(hostPart)).toEqual(['10.0.0.1', 'fd00::1', 'db1.lan', '10.0.0.2', 'db2', 'fd00::2'])
  })
})
