// Pieces of a cluster record that every engine's schema (shared/postgres.ts, shared/mariadb.ts)
// shares: names, ports, paths, the notify URL, the rule that no two members share what must be
// theirs alone, and what a host's detection reports besides the engine's own facts.
import { z } from 'zod'

/** A member's name. PostgreSQL uses it as application_name, in slot names and in synchronous_standby_names. */
export const memberName = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,39}$/, 'Use 1–40 lower-case letters, digits, _ or -, starting with a letter')

export const tcpPort = z.number().int().min(1).max(65535)

export const absPath = z
  .string()
  .max(1024)
  .regex(/^\/[A-Za-z0-9_./@+-]*$/, 'Use an absolute path of letters, digits and _ . / @ + -')
  .refine((p) => !p.split('/').includes('..'), 'The path must not contain ..')
  .transform((p) => (p.length > 1 ? p.replace(/\/+$/, '') : p))

/** http(s) only, no credentials in it (they would be shown and stored in clusters.json). */
export const notifyUrl = z
  .string()
  .max(500)
  .regex(/^https?:\/\/[A-Za-z0-9.:[\]-]+(\/[\x21-\x7e]*)?$/, 'An http:// or https:// address without user or password, e.g. https://ntfy.sh/my-topic')

/** A cluster record's id. */
export const clusterId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'Use letters, digits, dots, dashes or underscores')

/** A record's members never share `what` (their name, a port on one host, …): one issue per key seen twice. */
export function uniqueAmongMembers(ctx: z.RefinementCtx, what: string, keys: readonly string[]): void {
  const seen = new Set<string>()
  for (const k of keys) {
    if (seen.has(k)) ctx.addIssue({ code: 'custom', message: `Two members share ${what} ${k}`, path: ['members'] })
    seen.add(k)
  }
}

/**
 * What a host runs, as `cluster.detect` finds it for any engine: the host, its login and
 * addresses, the versions installed, and each instance found with `instance`, the engine's own facts.
 */
export const hostDetection = <T extends z.ZodRawShape>(instance: T) =>
  z.object({
    host: z.string(),
    loginUser: z.string(),
    addresses: z.array(z.string()),
    versions: z.array(z.object({ major: z.string(), version: z.string(), binDir: z.string() })),
    instances: z.array(
      z.object({
        port: z.number(),
        dataDir: z.string().optional(),
        version: z.string().optional(),
        role: z.enum(['primary', 'replica', 'stopped', 'unknown']),
        layout: z.string().optional(),
        name: z.string().optional(),
        configFile: z.string().optional(),
        ...instance,
      }),
    ),
  })
