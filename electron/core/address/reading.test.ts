import { describe, expect, it } from 'vitest'
import { parseAddrLines, parseReading, READ_SCRIPT } from './reading'

// Word for word what READ_SCRIPT printed for postgres (no sudo rule) on a netns lab host.
const POSTGRES_ON_HOST1 = `user 101 postgres
path ip /usr/sbin/ip
path arping /usr/bin/arping
arpingv arping from iputils 20221126
addr 1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
addr 2: eth0    inet 10.77.97.11/24 scope global eth0\\       valid_lft forever preferred_lft forever
link 1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
link 2: eth0@if6: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\\    link/ether 5e:5a:23:fb:1d:69 brd ff:ff:ff:ff:ff:ff link-netnsid 0
sudo ip-add no sudo: a password is required
sudo ip-del no sudo: a password is required
sudo arping no sudo: a password is required
`

describe('reading a member', () => {
  it('parses the login, tools, addresses, MACs and sudo verdicts', () => {
    expect(parseReading('host1', POSTGRES_ON_HOST1)).toEqual({
      host: 'host1',
      user: 'postgres',
      uid: 101,
      ipPath: '/usr/sbin/ip',
      arpingPath: '/usr/bin/arping',
      arpingVersion: 'arping from iputils 20221126',
      sudo: {
        ipAdd: { ok: false, why: 'sudo: a password is required' },
        ipDel: { ok: false, why: 'sudo: a password is required' },
        arping: { ok: false, why: 'sudo: a password is required' },
      },
      addresses: [
        { iface: 'lo', address: '127.0.0.1', prefix: 8, secondary: false },
        { iface: 'eth0', address: '10.77.97.11', prefix: 24, secondary: false },
      ],
      macs: { eth0: '5e:5a:23:fb:1d:69' },
    })
  })

  it('reads missing tools as null and a root login as needing no sudo', () => {
    const r = parseReading('h', 'user 0 root\npath ip /usr/sbin/ip\npath arping \n')
    expect(r).toMatchObject({ uid: 0, user: 'root', ipPath: '/usr/sbin/ip', arpingPath: null, arpingVersion: null, sudo: null })
  })

  it('reads secondary addresses, brd, labels and veth peers in ip -o -4 addr show', () => {
    const text = [
      '2: enp3s0    inet 192.168.1.20/24 brd 192.168.1.255 scope global dynamic noprefixroute enp3s0\\       valid_lft 85000sec preferred_lft 85000sec',
      '2: enp3s0    inet 192.168.1.200/24 scope global secondary enp3s0\\       valid_lft forever preferred_lft forever',
      '3: br0    inet 10.0.0.1/16 brd 10.0.255.255 scope global br0:vip\\       valid_lft forever preferred_lft forever',
      '4: veth1@if9    inet 172.16.0.2/30 scope global veth1\\       valid_lft forever preferred_lft forever',
      '5: eth9    inet6 fe80::1/64 scope link', // not IPv4: skipped
      'garbage',
    ].join('\n')
    expect(parseAddrLines(text)).toEqual([
      { iface: 'enp3s0', address: '192.168.1.20', prefix: 24, secondary: false },
      { iface: 'enp3s0', address: '192.168.1.200', prefix: 24, secondary: true },
      { iface: 'br0', address: '10.0.0.1', prefix: 16, secondary: false },
      { iface: 'veth1', address: '172.16.0.2', prefix: 30, secondary: false },
    ])
  })

  it('is one constant script whose values come as $1 and $2 only', () => {
    expect(READ_SCRIPT).not.toMatch(/\d+\.\d+\.\d+\.\d+/)
    expect(READ_SCRIPT).toContain('"$1/$2"')
    expect(READ_SCRIPT).toContain('sudo -n -l "$@"')
  })
})
