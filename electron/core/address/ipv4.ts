// IPv4 subnet arithmetic on unsigned 32-bit numbers: just what the service address needs
// (which subnet a member's interface is on, whether the address fits it, network and broadcast).
import { AppError } from '../../../shared/errors'
import { isIPv4 } from '../../../shared/ip-address'

export interface Subnet {
  network: string
  prefix: number
  /** null for /31 and /32, which have no broadcast address. */
  broadcast: string | null
}

export function ipv4ToInt(text: string): number {
  if (!isIPv4(text)) throw new AppError('invalid_input', `"${text}" is not an IPv4 address (four numbers 0–255, like 192.168.1.50).`)
  return text.split('.').reduce((n, part) => n * 256 + Number(part), 0)
}

export function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join('.')
}

export function maskOf(prefix: number): number {
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new AppError('invalid_input', `/${prefix} is not an IPv4 prefix length (0–32).`)
  // `<< 32` is a no-op in JavaScript, hence the special case.
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0
}

export function subnetOf(address: string, prefix: number): Subnet {
  const mask = maskOf(prefix)
  const network = (ipv4ToInt(address) & mask) >>> 0
  const broadcast = prefix >= 31 ? null : intToIpv4((network | ~mask) >>> 0)
  return { network: intToIpv4(network), prefix, broadcast }
}

export function inSubnet(address: string, subnet: Pick<Subnet, 'network' | 'prefix'>): boolean {
  const mask = maskOf(subnet.prefix)
  return ((ipv4ToInt(address) & mask) >>> 0) === ipv4ToInt(subnet.network)
}

export function sameSubnet(a: Pick<Subnet, 'network' | 'prefix'>, b: Pick<Subnet, 'network' | 'prefix'>): boolean {
  return a.prefix === b.prefix && a.network === b.network
}

export const subnetText = (s: Pick<Subnet, 'network' | 'prefix'>): string => `${s.network}/${s.prefix}`
