import { describe, expect, it } from 'vitest'
import { parseCluster, type PgClusterInput } from '../model'
import { automaticOf, etcdUnit, markOf, meaningChanges, patroniConfig, patroniConfigFile, patroniDropIn, patroniDropInFile, patroniUnit, syncOf, TEMPLATE_MARK, toYaml, votersOf } from './config'

const input: PgClusterInput = {
  id: 'pt',
  major: '15',
  members: [1, 2, 3].map((i) => ({ name: `pt${i}`, host: `host${i}`, address: `10.0.0.1${i}`, port: 5460, dataDir: `/var/lib/postgresql/ha/pt${i}`, access: 'sudo' as const, sync: true, neverPromote: i === 3 })),
}
const c = parseCluster(input)
const facts = { listenAddresses: 'localhost,10.0.0.11', carried: { max_connections: '100', wal_level: 'replica' } }

describe('Patroni and etcd configuration', () => {
  it('defaults: scope = cluster id, REST API on 8008, the members\' hosts as voters', () => {
    expect(automaticOf(c)).toEqual({ scope: 'pt', restApiPort: 8008, etcdHosts: ['host1', 'host2', 'host3'] })
    expect(patroniUnit(c, c.members[0]!)).toBe('patroni@15-pt1.service')
    expect(patroniConfigFile(c, c.members[1]!)).toBe('/etc/patroni/15-pt2.yml')
  })

  it('a drop-in on each Patroni unit: restarted 5 s after a failure, started after the host\'s etcd', () => {
    const m = c.members[0]!
    expect(patroniDropInFile(c, m)).toBe('/etc/systemd/system/patroni@15-pt1.service.d/replicadesk.conf')
    const text = patroniDropIn(c, m)
    expect(text.startsWith(TEMPLATE_MARK)).toBe(true)
    expect(text).toContain('\n[Unit]\nAfter=replicadesk-etcd.service\nWants=replicadesk-etcd.service\n\n[Service]\nRestart=on-failure\nRestartSec=5\n')
    // A member on a host without a voter: no etcd unit there to wait for.
    const fewer = parseCluster({ ...input, members: [...input.members, { ...input.members[0]!, name: 'pt4', host: 'host4', address: '10.0.0.14' }], automatic: { mode: 'patroni', scope: 'pt', restApiPort: 8008, etcdHosts: ['host1', 'host2', 'host3'] } })
    expect(patroniDropIn(fewer, fewer.members[3]!)).not.toContain('After=')
    expect(patroniDropIn(fewer, fewer.members[3]!)).toContain('Restart=on-failure\nRestartSec=5\n')
  })

  it('an etcd unit bound to the host\'s own address, the three voters as the initial cluster', () => {
    const voters = votersOf(c, automaticOf(c))
    const unit = etcdUnit('pt', voters, voters[1]!)
    expect(unit).toContain('Environment=ETCD_NAME=host2\n')
    expect(unit).toContain('Environment=ETCD_LISTEN_CLIENT_URLS=https://10.0.0.12:2379\n')
    expect(unit).toContain('Environment=ETCD_LISTEN_PEER_URLS=https://10.0.0.12:2380\n')
    expect(unit).toContain('Environment=ETCD_INITIAL_CLUSTER=host1=https://10.0.0.11:2380,host2=https://10.0.0.12:2380,host3=https://10.0.0.13:2380\n')
    expect(unit).toContain('Environment=ETCD_CLIENT_CERT_AUTH=true\nEnvironment=ETCD_PEER_CERT_FILE=/var/lib/replicadesk/etcd-tls/etcd.crt\n')
    expect(unit).toContain('Environment=ETCD_PEER_CLIENT_CERT_AUTH=true\n')
    expect(unit).toContain('Environment=ETCD_PRE_VOTE=true\n')
    expect(unit).not.toContain('http://')
    expect(unit).toMatch(/User=etcd\n/)
    expect(unit).toMatch(/ExecStart=\/usr\/bin\/etcd\n/)
    expect(unit).toMatch(/\[Install\]\nWantedBy=multi-user.target/)
  })

  it('a voter must be a member host', () => {
    expect(() => votersOf(c, { ...automaticOf(c), etcdHosts: ['host1', 'host2', 'box9'] })).toThrow(/box9 carries no member/)
  })

  it('Patroni\'s config: own addresses, etcd3 hosts, home-lab timings, tags, secrets as placeholders', () => {
    const y = patroniConfig(c, c.members[2]!, facts)
    expect(y.split('\n')[0]).toMatch(/^# replicadesk-template [0-9a-f]{16}$/)
    expect(y).toContain('scope: "pt"\nname: "pt3"\n')
    expect(y).toContain('restapi:\n  listen: "10.0.0.13:8008"\n  connect_address: "10.0.0.13:8008"\n  authentication:\n    username: "replicadesk"\n    password: "@RESTAPI_PASSWORD@"\n')
    expect(y).toContain('etcd3:\n  hosts:\n    - "10.0.0.13:2379"\n    - "10.0.0.11:2379"\n    - "10.0.0.12:2379"\n  use_proxies: true\n  protocol: "https"\n  cacert: "/var/lib/replicadesk/etcd-tls/ca.crt"\n  cert: "/var/lib/replicadesk/etcd-tls/client.crt"\n  key: "/var/lib/replicadesk/etcd-tls/client.key"\n')
    expect(y).toContain('    ttl: 7\n    loop_wait: 1\n    retry_timeout: 3\n    failsafe_mode: false\n    maximum_lag_on_failover: 16777216\n    synchronous_mode: true\n    synchronous_mode_strict: true\n    synchronous_node_count: 1\n')
    expect(y).toContain('      use_pg_rewind: true\n      use_slots: true\n')
    expect(y).toContain('        max_connections: "100"\n')
    expect(y).toContain('  listen: "localhost,10.0.0.11:5460"\n  connect_address: "10.0.0.13:5460"\n  data_dir: "/var/lib/postgresql/ha/pt3"\n  bin_dir: "/usr/lib/postgresql/15/bin"\n')
    expect(y).toContain('    superuser:\n      username: "postgres"\n    replication:\n      username: "replicadesk"\n      password: "@REPLICATION_PASSWORD@"\n')
    expect(y).toContain('tags:\n  nofailover: true\n  nosync: false\n')
    expect(patroniConfig(c, c.members[0]!, facts)).toContain('tags:\n  nofailover: false\n')
  })

  it('the mark changes with the template, not otherwise', () => {
    const a = patroniConfig(c, c.members[0]!, facts)
    expect(markOf(a)).toBe(markOf(patroniConfig(c, c.members[0]!, facts)))
    expect(markOf(a)).not.toBe(markOf(patroniConfig(c, c.members[0]!, { ...facts, listenAddresses: '*' })))
  })

  it('synchronous setting in Patroni\'s terms; asynchronous members are nosync', () => {
    expect(syncOf(parseCluster({ ...input, sync: { method: 'ANY', num: 2 } }))).toEqual({ synchronous_mode: true, synchronous_mode_strict: true, synchronous_node_count: 2 })
    const async = parseCluster({ ...input, members: input.members.map((m) => ({ ...m, sync: false })) })
    expect(syncOf(async)).toEqual({ synchronous_mode: false, synchronous_mode_strict: false, synchronous_node_count: 1 })
    expect(patroniConfig(async, async.members[0]!, facts)).toContain('nosync: true')
    expect(meaningChanges(c).join(' ')).toMatch(/no quorum commit/)
  })

  it('YAML: nested maps, lists, quoted strings, empty lists', () => {
    expect(toYaml({ a: { b: [1, 'x"y'] }, c: [], d: true, e: undefined })).toBe('a:\n  b:\n    - 1\n    - "x\\"y"\nc: []\nd: true')
  })
})
