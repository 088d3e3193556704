// Preparing a host for ReplicaDesk (what the login can do, what is missing and the exact line
// to add, PostgreSQL installed from the distribution's packages) and removing what ReplicaDesk
// put on a host. The install and the removal show a plan first (operationPlan).
import { z } from 'zod'
import { errorDataSchema } from './errors'
import { hostName } from './hosts'
import { operationPlan, operationStartResult } from './operations'
import { majorVersion, pgCluster } from './postgres'
import { hostTestResult } from './ssh'

const dryRun = z.boolean().default(false).describe('print the plan (steps and exact commands), run nothing')
const yes = z.boolean().default(false).describe('run without asking (the CLI asks on a terminal)')

export const prepareCheckId = z.enum(['system', 'postgres', 'become-postgres', 'root-install', 'root-address', 'stream-local', 'reach-members'])
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
  /** The sudo rule this login needs (what `--sudo-rule` writes), and whether ReplicaDesk can write it now (sudo -n as root works). */
  sudoRule: z.object({ file: z.string(), lines: z.array(z.string()), writable: z.boolean() }).optional(),
  /** Every check is ok. */
  ready: z.boolean(),
  /** The checks a cluster member needs that are missing (PostgreSQL, acting as postgres, the status session, the other members' port): empty when it may host one. */
  memberMissing: z.array(z.string()),
})
export type PrepareReport = z.infer<typeof prepareReport>

export const hostPrepareInput = z.object({
  name: hostName,
  install: z.boolean().default(false).describe('install PostgreSQL from the distribution (sudo needed), as a journaled operation'),
  sudoRule: z.boolean().default(false).describe("write ReplicaDesk's sudo rule for this login (only the commands it runs; needs sudo -n as root now), as a journaled operation"),
  version: majorVersion.optional().describe('the major to install (default: the cluster\'s, else the newest the distribution offers)'),
  cluster: pgCluster.shape.id.optional().describe('install the major of this cluster'),
  dryRun,
  yes,
})

/** The checks; with --install or --sudo-rule the plan (dry run) or the started operation. */
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

/** host test: the connection test, and the same checks as host prepare (or why they could not run). */
export const hostTestReport = hostTestResult.extend({
  prepare: prepareReport.optional(),
  prepareError: errorDataSchema.optional(),
})
export type HostTestReport = z.infer<typeof hostTestReport>

/** A host record as the place of a new member of a cluster (the host picker): the core's ranking (clusters/placement.ts). */
export const hostCandidate = z.object({
  host: hostName,
  /** This cluster's members already on that host. */
  members: z.array(z.string()),
  /** 0 is the best place (a failure domain no member uses); null: not free (a member runs there). */
  rank: z.number().int().min(0).nullable(),
  why: z.string(),
  /** The new member in the cluster's own pattern (pg1, pg2 → pg3; its data dir and port like theirs). */
  name: z.string().optional(),
  dataDir: z.string().optional(),
  port: z.number().int().optional(),
})
export type HostCandidate = z.infer<typeof hostCandidate>
export const hostCandidatesInput = z.object({ cluster: pgCluster.shape.id })
