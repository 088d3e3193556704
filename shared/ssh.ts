// What the UI and CLI see of SSH connections: per-host state, connection tests, trusted keys,
// importable ~/.ssh/config entries and the activity log of remote commands.
import { z } from 'zod'
import { errorCodes, errorDataSchema } from './errors'
import { hostName } from './hosts'

export const connectionStates = [
  'idle',
  'connecting',
  'connected',
  'unreachable',
  'auth_failed',
  'host_key_unknown',
  'host_key_changed',
  'shell_unsupported',
] as const

export const hostConnection = z.object({
  name: hostName,
  state: z.enum(connectionStates),
  reason: z.string().optional(),
  error: errorDataSchema.optional(),
  since: z.string(),
})
export type HostConnection = z.infer<typeof hostConnection>

export const fingerprint = z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'A fingerprint looks like SHA256: followed by 43 characters')

export const hostTestResult = z.object({
  name: hostName,
  os: z.object({ id: z.string().optional(), versionId: z.string().optional(), prettyName: z.string().optional() }).nullable(),
  postgresVersions: z.array(z.string()),
  /** MariaDB server versions found (mariadbd --version); absent from an older core. */
  mariadbVersions: z.array(z.string()).default([]),
  roundTripMs: z.number(),
  shell: z.string(),
  hostKey: z.object({ fingerprint: z.string(), keyType: z.string() }),
})
export type HostTestResult = z.infer<typeof hostTestResult>

export const trustedKey = z.object({ name: hostName, fingerprint: z.string(), keyType: z.string(), addedAt: z.string() })

export const importableHost = z.object({
  alias: z.string(),
  address: z.string().optional(),
  port: z.number(),
  user: z.string().optional(),
  identityFiles: z.array(z.string()),
  proxyJump: z.string().optional(),
  problem: z.string().optional(),
})

/** Who made a command run: the status poll, an operation's steps, a host test, a user's call. */
export const activityOrigins = ['status', 'operation', 'host-test', 'user'] as const
export const activityOrigin = z.enum(activityOrigins)
export type ActivityOrigin = z.infer<typeof activityOrigin>

export const activityEntry = z.object({
  id: z.string(),
  host: z.string(), // user@address[:port]
  via: z.string().optional(), // jump host label
  argv: z.array(z.string()), // secrets already redacted
  sudo: z.union([z.boolean(), z.string()]).optional(),
  startedAt: z.string(),
  durationMs: z.number(),
  exitCode: z.number().nullable(),
  errorCode: z.enum(errorCodes).optional(),
  truncated: z.boolean().optional(),
  /** Absent in entries written before it existed, and in the core's own notices. */
  origin: activityOrigin.optional(),
})
export type ActivityEntry = z.infer<typeof activityEntry>
