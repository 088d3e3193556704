// Host records: what the user told us about a server. Connecting lives in electron/core/ssh.
import { z } from 'zod'
import { isIPv4, isIPv6 } from './ip-address'

// A DNS name, an IPv4 address or a bracket-free IPv6 address. No spaces, no shell
// metacharacters, no leading dash: the address is handed to ssh2 (never to a shell), but we
// refuse odd input at the boundary so that it cannot reach anything else either.
const hostnamePattern = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?$/
/** A name whose last label is all digits is an IPv4 address or nothing ("999.1.1.1"). */
const isAddress = (v: string): boolean => {
  if (v.includes(':')) return isIPv6(v)
  if (!hostnamePattern.test(v)) return false
  return /(^|\.)\d+$/.test(v) ? isIPv4(v) : true
}
// POSIX portable user names (plus the common Windows-style dot).
const userPattern = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/
// A name the user picks for the record: shown in the UI, used on the command line.
const namePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/

export const hostName = z
  .string()
  .regex(namePattern, 'Use 1–63 letters, digits, dots, dashes or underscores, starting with a letter or digit')
export const hostAddress = z
  .string()
  .min(1, 'Address is required')
  .refine(isAddress, 'Not a valid host name or IP address')
export const sshUser = z.string().regex(userPattern, 'Not a valid user name (letters, digits, _ . -)')
export const sshPort = z
  .number({ error: 'Port must be a number' })
  .int('Port must be a whole number')
  .min(1, 'Port must be between 1 and 65535')
  .max(65535, 'Port must be between 1 and 65535')

// A path on the user's machine (an SSH key). Never passed to a shell or a command line; control
// characters and direction overrides refused (they would hide what the path is when shown).
export const localPath = z
  .string()
  .min(1)
  .max(4096)
  // eslint-disable-next-line no-control-regex
  .refine((p) => !/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(p), 'Path contains a control character')

/** A free label; shown, compared, never run. */
export const failureDomain = z.string().regex(/^[\p{L}\p{N}][\p{L}\p{N} _.'"()/-]{0,39}$/u, 'Use up to 40 letters, digits, spaces and _ . \' " ( ) / -')

export const hostInput = z.object({
  name: hostName,
  address: hostAddress,
  port: sshPort.default(22),
  user: sshUser,
  /** Reach this host through another host record (ProxyJump). */
  jump: hostName.optional().describe('name of the host record to jump through'),
  /** A private key file; otherwise ssh-agent and the keys ~/.ssh/config names. */
  identityFile: localPath.optional().describe('private key file to log in with'),
  /** Log in with a password (asked when needed) instead of keys. */
  usePassword: z.boolean().optional().describe('log in with a password instead of keys'),
  /** What fails together with this host (room, rack, UPS, "the NAS"): placement and the health verdict use it. */
  failureDomain: failureDomain.optional().describe('what fails together with this host: a room, rack, UPS, "the NAS"'),
})
export type HostInput = z.input<typeof hostInput>

export const host = hostInput.extend({
  id: z.string().min(1),
  createdAt: z.string(),
  updatedAt: z.string(),
})
export type Host = z.infer<typeof host>

// Flat so that every front end (form, CLI flags) maps onto it directly.
export const hostEdit = z.object({
  name: hostName.describe('the host record to edit'),
  newName: hostName.optional().describe('rename the record'),
  address: hostAddress.optional(),
  port: sshPort.optional(),
  user: sshUser.optional(),
  // null removes the saved value; absent leaves it as it is.
  jump: hostName.nullable().optional(),
  identityFile: localPath.nullable().optional(),
  usePassword: z.boolean().optional(),
  failureDomain: failureDomain.nullable().optional(),
})
export type HostEdit = z.input<typeof hostEdit>
