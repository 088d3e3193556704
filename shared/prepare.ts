// Preparing a host for ReplicaDesk (what the login can do, what is missing and the exact line
// to add, PostgreSQL installed from the distribution's packages) and removing what ReplicaDesk
// put on a host. The install and the removal show a plan first (operationPlan).
import { z } from 'zod'
import { hostName } from './hosts'
import { operationPlan, operationStartResult } from './operations'
import { majorVersion, pgCluster } from './postgres'

const dryRun = z.boolean().default(false).describe('print the plan (steps and exact commands), run nothing')
const yes = z.boolean().default(false).describe('run without asking (the CLI asks on a terminal)')

export const prepareCheckId = z.enum(['system', 'postgres', 'become-postgres', 'root-install', 'root-address', 'stream-local'])
export type PrepareCheckId = z.infer<typeof prepareCheckId>

/** One thing the login can or cannot do, and what to do about it. */
export const prepareCheck = z.object({
  id: prepareCheckId,
  title: z.string(),
  /** ok: nothing to do; missing: do `fix`; unknown: could not be told (see detail). */
  state: z.enum(['ok', 'missing', 'unknown']),
  detail: z.string(),
  /** The exact line to add or command to run, when something is missing. */
  fix: z.string().optional(),
})
export type PrepareCheck = z.infer<typeof prepareCheck>

export const prepareReport = z.object({
  host: hostName,
  login: z.string(),
  /** How ReplicaDesk acts as postgres with this login. */
  access: z.enum(['postgres', 'sudo']),
  /** apt-get is there (Debian, Ubuntu, Raspberry Pi OS …). */
  debian: z.boolean(),
  /** PostgreSQL majors installed (/usr/lib/postgresql/N/bin/postgres). */
  installed: z.array(majorVersion),
  /** postgresql-N packages the distribution offers. */
  offered: z.array(majorVersion),
  checks: z.array(prepareCheck),
  /** Every check is ok. */
  ready: z.boolean(),
})
export type PrepareReport = z.infer<typeof prepareReport>

export const hostPrepareInput = z.object({
  name: hostName,
  install: z.boolean().default(false).describe('install PostgreSQL from the distribution (sudo needed), as a journaled operation'),
  version: majorVersion.optional().describe('the major to install (default: the cluster\'s, else the newest the distribution offers)'),
  cluster: pgCluster.shape.id.optional().describe('install the major of this cluster'),
  dryRun,
  yes,
})

/** The checks; with --install the plan (dry run) or the started operation. */
export const hostPrepareResult = z.union([operationStartResult, prepareReport])

export const hostCleanInput = z.object({ name: hostName, dryRun, yes })

/** A removal: what went, and what stays on purpose. */
export const hostCleaned = z.object({
  dryRun: z.literal(false),
  host: hostName,
  removed: z.array(z.string()),
  left: z.array(z.string()),
})
export type HostCleaned = z.infer<typeof hostCleaned>

export const hostCleanResult = z.discriminatedUnion('dryRun', [
  z.object({ dryRun: z.literal(true), plan: operationPlan, left: z.array(z.string()) }),
  hostCleaned,
])
export type HostCleanResult = z.infer<typeof hostCleanResult>
