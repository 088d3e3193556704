import { describe, expect, it } from 'vitest'
import { isIPv4, isIPv6 } from './ip-address'

describe('address parsers', () => {
  it.each(['192.168.1.20', '10.0.0.1', '0.0.0.0', '255.255.255.255'])('IPv4 %s', (a) => expect(isIPv4(a)).toBe(true))
  it.each(['1.2.3.4:22', '999.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '0x7f.0.0.1', '1.2.3.-4', ''])('not IPv4 %s', (a) => expect(isIPv4(a)).toBe(false))
  it.each(['::1', '::', 'fe80::1%eth0', '2001:db8::8a2e:370:7334', '2001:0db8:0000:0000:0000:ff00:0042:8329', '::ffff:192.0.2.1', '1::'])('IPv6 %s', (a) =>
    expect(isIPv6(a)).toBe(true),
  )
  it.each([':::::', '1.2.3.4:22', '1:2:3:4:5:6:7:8:9', '1::2::3', '12345::', 'g::1', '::1%', '::1%a%b', ':1', '1:2:3:4:5:6:7', '::ffff:999.0.2.1', ''])('not IPv6 %s', (a) =>
    expect(isIPv6(a)).toBe(false),
  )
})

describe('host addresses in records', () => {
  it('takes names, IPv4 and IPv6, and refuses look-alikes', async () => {
    const { hostAddress } = await import('./hosts')
    for (const ok of ['pi1', 'nas.lan', 'db-2.home.arpa', '192.168.1.20', '::1', 'fe80::1%eth0']) expect(hostAddress.safeParse(ok).success, ok).toBe(true)
    for (const bad of ['1.2.3.4:22', ':::::', '999.1.1.1', '-oProxyCommand=x', 'a b', 'host;id', '1.2.3', '']) expect(hostAddress.safeParse(bad).success, bad).toBe(false)
  })
})
