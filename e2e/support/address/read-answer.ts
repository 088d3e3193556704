// Test helpers (not used by the app): what READ_SCRIPT prints on a lab host, shaped per case.
// The base text is a real answer of a netns lab host (rdadmin, Debian 12, iputils-arping).

export interface FakeHost {
  user?: string
  uid?: number
  /** `iface address/prefix [secondary]` per entry, lo is always there. */
  addrs?: string[]
  macs?: Record<string, string>
  ip?: string | null
  arping?: string | null
  arpingVersion?: string
  /** One verdict for the three sudo checks: 'ok' or the reason sudo gave. */
  sudo?: string
}

export function readAnswer(h: FakeHost = {}): string {
  const uid = h.uid ?? 1001
  const ip = h.ip === undefined ? '/usr/sbin/ip' : h.ip
  const arping = h.arping === undefined ? '/usr/bin/arping' : h.arping
  const lines = [`user ${uid} ${h.user ?? 'rdadmin'}`, `path ip ${ip ?? ''}`, `path arping ${arping ?? ''}`]
  if (arping) lines.push(`arpingv ${h.arpingVersion ?? 'arping from iputils 20221126'}`)
  if (ip) {
    lines.push('addr 1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever')
    for (const [i, a] of (h.addrs ?? ['eth0 10.77.3.11/24']).entries()) {
      const [iface, cidr, flag] = a.split(' ')
      lines.push(`addr ${i + 2}: ${iface}    inet ${cidr} scope global ${flag ? `${flag} ` : ''}${iface}\\       valid_lft forever preferred_lft forever`)
    }
    for (const [i, [iface, mac]] of Object.entries(h.macs ?? { eth0: '5e:5a:23:fb:1d:69' }).entries()) {
      lines.push(`link ${i + 2}: ${iface}@if6: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\\    link/ether ${mac} brd ff:ff:ff:ff:ff:ff link-netnsid 0`)
    }
  }
  if (uid !== 0 && ip && arping) {
    const verdict = h.sudo ?? 'ok'
    for (const what of ['ip-add', 'ip-del', 'arping']) lines.push(`sudo ${what} ${verdict === 'ok' ? 'ok' : `no ${verdict}`}`)
  }
  return lines.join('\n') + '\n'
}
