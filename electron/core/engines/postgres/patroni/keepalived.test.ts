import { describe, expect, it } from 'vitest'
import { patroniInput } from '../../../../../e2e/support/patroni/fixtures'
import { parseCluster } from '../model'
import { markOf, TEMPLATE_MARK } from './config'
import { installCommand } from './keepalived-steps'
import { buildHandover } from './handover'
import { buildHandback } from './handback'
import type { HostExec } from '../../host-exec'
import { keepalivedConfig, keepalivedRefusal, virtualRouterId } from './keepalived'

const sa = { address: '10.0.0.50', prefix: 24, interfaces: { host1: 'eth0', host2: 'eth0', host3: 'ens3' } }
const c = parseCluster({ ...patroniInput, serviceAddress: sa })

describe('keepalived for the service address in automatic mode', () => {
  it('follows the host\'s own Patroni (GET /primary), unicast to the other members, the address on the host\'s interface', () => {
    const conf = keepalivedConfig(c, 'host3')
    expect(conf.startsWith(TEMPLATE_MARK)).toBe(true)
    expect(conf).toContain('  script "/usr/bin/curl -s -f -o /dev/null --max-time 1 http://10.0.0.13:8008/primary"\n')
    expect(conf).toContain('  init_fail\n')
    expect(conf).toContain('  interface ens3\n')
    expect(conf).toContain('  unicast_src_ip 10.0.0.13\n  unicast_peer {\n    10.0.0.11\n    10.0.0.12\n  }\n  check_unicast_src\n')
    expect(conf).toContain('    10.0.0.50/24 dev ens3\n')
    expect(conf).toContain(`  virtual_router_id ${virtualRouterId('pt')}\n`)
    expect(conf).toContain('  state BACKUP\n')
    expect(conf).toContain('  vrrp_version 3\n')
    expect(conf).toContain('  garp_master_repeat 3\n')
    expect(conf).toContain('instance replicadesk_host3\n')
    expect(conf).not.toMatch(/mcast|auth_pass|weight/)
    // Per host, and the same text for the same record (the check compares marks).
    expect(markOf(keepalivedConfig(c, 'host1'))).not.toBe(markOf(conf))
    expect(keepalivedConfig(parseCluster({ ...patroniInput, serviceAddress: sa }), 'host3')).toBe(conf)
  })

  it('the REST API port of the record; the router id 1–255 from the scope', () => {
    const other = parseCluster({ ...patroniInput, serviceAddress: sa, automatic: { mode: 'patroni', scope: 'home-db', restApiPort: 8010, etcdHosts: ['host1', 'host2', 'host3'] } })
    expect(keepalivedConfig(other, 'host1')).toContain('http://10.0.0.11:8010/primary"')
    expect(keepalivedConfig(other, 'host1')).toContain('vrrp_instance home-db {')
    for (const s of ['pt', 'home-db', 'a', 'z'.repeat(63)]) {
      expect(virtualRouterId(s)).toBeGreaterThanOrEqual(1)
      expect(virtualRouterId(s)).toBeLessThanOrEqual(255)
    }
    expect(virtualRouterId('pt')).toBe(virtualRouterId('pt'))
  })

  it('refuses members recorded by name, two members on one host, and values that would break out of the config', () => {
    const named = parseCluster({ ...patroniInput, serviceAddress: sa, members: patroniInput.members.map((m, i) => (i === 1 ? { ...m, address: 'db2.lan' } : m)) })
    expect(keepalivedRefusal(named)).toMatch(/pt2 \(db2\.lan\) is recorded by name/)
    expect(() => keepalivedConfig(named, 'host1')).toThrow(/IPv4/)
    const shared = parseCluster({ ...patroniInput, serviceAddress: sa, members: patroniInput.members.map((m, i) => (i === 2 ? { ...m, host: 'host1', port: 5461 } : m)) })
    expect(keepalivedRefusal(shared)).toMatch(/host1 carries two members/)
    // The record's schema refuses such an interface; the config refuses it again.
    const evil = { ...c, serviceAddress: { ...sa, interfaces: { ...sa.interfaces, host1: 'eth0}\n}\nvrrp_script x { script "/bin/sh"' } } }
    expect(() => keepalivedConfig(evil, 'host1')).toThrow(/cannot carry the interface/)
    expect(() => keepalivedConfig({ ...c, serviceAddress: { ...sa, address: '10.0.0.50" }' } }, 'host1')).toThrow(/cannot carry the address/)
    expect(keepalivedRefusal(parseCluster(patroniInput))).toBeUndefined()
  })

  it('the install command adds curl with a notification URL, curl and keepalived with a service address', () => {
    expect(installCommand(parseCluster(patroniInput))).toBe('sudo -n apt-get install -y patroni etcd-server etcd-client openssl')
    expect(installCommand(parseCluster({ ...patroniInput, notifyUrl: 'https://ntfy.sh/x' }))).toBe('sudo -n apt-get install -y patroni etcd-server etcd-client openssl curl')
    expect(installCommand(c)).toBe('sudo -n apt-get install -y patroni etcd-server etcd-client openssl curl keepalived')
  })

  it('the hand-over gives the address to keepalived before its verify; the hand-back takes it back while Patroni is paused', () => {
    const hosts = {} as HostExec
    expect(buildHandover(hosts, { cluster: c, joinTimeoutS: 60 }).map((s) => s.id)).toEqual(['preflight', 'tls', 'etcd', 'config', 'primary', 'replicas', 'address', 'verify'])
    expect(buildHandover(hosts, { cluster: parseCluster(patroniInput), joinTimeoutS: 60 }).map((s) => s.id)).not.toContain('address')
    expect(buildHandback(hosts, { cluster: c, waitS: 30, keepEtcd: false }).map((s) => s.id)).toEqual(['preflight', 'pause', 'address', 'stop', 'settings', 'etcd', 'verify'])
    expect(buildHandback(hosts, { cluster: parseCluster(patroniInput), waitS: 30, keepEtcd: false }).map((s) => s.id)).not.toContain('address')
  })
})
