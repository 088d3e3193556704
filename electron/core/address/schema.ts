// Inputs of the service-address functions, checked before anything runs: every value that
// reaches a remote argv (address, prefix, interface, host name) has a strict shape, so
// "1.2.3.4; rm -rf /" or "-Iall" never gets as far as a command.
import { z } from 'zod'
import { AppError } from '../../../shared/errors'
import { hostName } from '../../../shared/hosts'
import { isIPv4 } from '../../../shared/ip-address'

export const ipv4Address = z.string().refine(isIPv4, 'Not an IPv4 address (four numbers 0–255, like 192.168.1.50)')
export const prefixLength = z.number().int('A prefix length is a whole number').min(1, 'A prefix length is 1–32').max(32, 'A prefix length is 1–32')
// Linux interface names: at most 15 bytes; no leading dash (it would read as an option).
export const interfaceName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/, 'Not a network interface name (like eth0, enp3s0, br0)')

export const memberSchema = z
  .object({
    host: hostName,
    /** The member's own address on the LAN; without it, the interface whose subnet holds the service address. */
    lanAddress: ipv4Address.optional(),
  })
  .strict()
export type AddressMember = z.infer<typeof memberSchema>

export const inspectInputSchema = z
  .object({
    address: ipv4Address,
    /** The prefix to add the address with; default: the members' subnet prefix. */
    prefix: prefixLength.optional(),
    members: z.array(memberSchema).min(1, 'A cluster has at least one member').max(32),
  })
  .strict()
  .refine((v) => new Set(v.members.map((m) => m.host)).size === v.members.length, 'Each member host is named once')
export type InspectInput = z.infer<typeof inspectInputSchema>

export const placementSchema = z.object({ host: hostName, iface: interfaceName, address: ipv4Address, prefix: prefixLength }).strict()
export const releaseSchema = z.object({ host: hostName, iface: interfaceName, address: ipv4Address }).strict()
export const holdersSchema = z.object({ hosts: z.array(hostName).min(1).max(32), address: ipv4Address }).strict()

/** Parses or throws invalid_input naming the field, before any remote command exists. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value)
  if (r.success) return r.data
  const issues = r.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
  throw new AppError('invalid_input', `${what}: ${issues.join('; ')}.`, { issues: r.error.issues })
}
