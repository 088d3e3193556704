import { describe, expect, it } from 'vitest'
import { AppError } from '../../../shared/errors'
import { inSubnet, intToIpv4, ipv4ToInt, maskOf, sameSubnet, subnetOf, subnetText } from './ipv4'

describe('IPv4 subnet arithmetic', () => {
  it('converts addresses to unsigned numbers and back, at both ends of the range', () => {
    expect(ipv4ToInt('0.0.0.0')).toBe(0)
    expect(ipv4ToInt('255.255.255.255')).toBe(0xffffffff)
    expect(ipv4ToInt('10.77.3.200')).toBe(0x0a4d03c8)
    for (const a of ['0.0.0.0', '1.2.3.4', '192.168.1.50', '255.255.255.255', '128.0.0.1']) expect(intToIpv4(ipv4ToInt(a))).toBe(a)
  })

  it('refuses anything that is not a dotted quad (leading zeros, 256, trailing text)', () => {
    for (const bad of ['1.2.3', '1.2.3.256', '01.2.3.4', '1.2.3.4; rm -rf /', '1.2.3.4/24', ' 1.2.3.4', '']) {
      expect(() => ipv4ToInt(bad), bad).toThrow(AppError)
    }
  })

  it('builds masks for every prefix length, including /0 and /32', () => {
    expect(maskOf(0)).toBe(0)
    expect(maskOf(8)).toBe(0xff000000)
    expect(maskOf(24)).toBe(0xffffff00)
    expect(maskOf(31)).toBe(0xfffffffe)
    expect(maskOf(32)).toBe(0xffffffff)
    expect(() => maskOf(33)).toThrow(AppError)
    expect(() => maskOf(-1)).toThrow(AppError)
    expect(() => maskOf(24.5)).toThrow(AppError)
  })

  it('finds network and broadcast; /31 and /32 have no broadcast', () => {
    expect(subnetOf('10.77.3.11', 24)).toEqual({ network: '10.77.3.0', prefix: 24, broadcast: '10.77.3.255' })
    expect(subnetOf('192.168.1.200', 26)).toEqual({ network: '192.168.1.192', prefix: 26, broadcast: '192.168.1.255' })
    expect(subnetOf('172.16.5.4', 12)).toEqual({ network: '172.16.0.0', prefix: 12, broadcast: '172.31.255.255' })
    expect(subnetOf('10.0.0.1', 31).broadcast).toBeNull()
    expect(subnetOf('10.0.0.1', 32)).toEqual({ network: '10.0.0.1', prefix: 32, broadcast: null })
  })

  it('tells whether an address is in a subnet, across the sign bit too', () => {
    expect(inSubnet('10.77.3.200', { network: '10.77.3.0', prefix: 24 })).toBe(true)
    expect(inSubnet('10.77.4.200', { network: '10.77.3.0', prefix: 24 })).toBe(false)
    expect(inSubnet('192.168.1.63', { network: '192.168.1.0', prefix: 26 })).toBe(true)
    expect(inSubnet('192.168.1.64', { network: '192.168.1.0', prefix: 26 })).toBe(false)
    expect(inSubnet('200.1.2.3', { network: '200.0.0.0', prefix: 8 })).toBe(true)
    expect(sameSubnet(subnetOf('10.1.1.1', 24), subnetOf('10.1.1.99', 24))).toBe(true)
    expect(sameSubnet(subnetOf('10.1.1.1', 24), subnetOf('10.1.1.99', 25))).toBe(false)
    expect(subnetText(subnetOf('10.1.1.1', 16))).toBe('10.1.0.0/16')
  })
})
