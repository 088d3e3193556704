// The PostgreSQL cluster as the user described it: members (where and how each runs, how
// ReplicaDesk reaches it) and cluster-wide replication settings. Never who is primary: that
// is read from the servers when it matters.
import type { z } from 'zod'
import { AppError } from '../../../../shared/errors'

export {
  absPath,
  debianClusterName,
  majorVersion,
  memberName,
  pgCluster,
  pgMember,
  pgPort,
  roleName,
  slotName,
  type PgCluster,
  type PgClusterInput,
  type PgMember,
  type PgMemberInput,
} from '../../../../shared/postgres'
import { pgCluster, type PgCluster, type PgMember } from '../../../../shared/postgres'

export function parseCluster(input: unknown): PgCluster {
  const r = pgCluster.safeParse(input)
  if (!r.success) {
    const issue = r.error.issues[0]
    const where = issue && issue.path.length ? `${issue.path.join('.')}: ` : ''
    throw new AppError('invalid_input', `Invalid PostgreSQL cluster: ${where}${issue?.message ?? 'invalid'}`, r.error.issues)
  }
  return r.data
}

/** The one wording for a member name the cluster does not have. */
const noMember = (cluster: Pick<PgCluster, 'id'>, name: string) => `Cluster ${cluster.id} has no member named ${name}`

/** The member of that name; a name the cluster does not have is invalid input. */
export function memberOf(cluster: PgCluster, name: string): PgMember {
  const m = cluster.members.find((x) => x.name === name)
  if (!m) throw new AppError('invalid_input', `${noMember(cluster, name)}.`)
  return m
}

/**
 * For an operation's params schema (superRefine): an issue, at its field, for each member name
 * the cluster does not have (null: no name given). The same check as memberOf.
 */
export function refineMembers(ctx: z.RefinementCtx, cluster: PgCluster, names: Readonly<Record<string, string | null>>): void {
  for (const [field, name] of Object.entries(names)) {
    if (name !== null && !cluster.members.some((m) => m.name === name)) ctx.addIssue({ code: 'custom', message: noMember(cluster, name), path: [field] })
  }
}

/** Hosts to take the cluster lease on (a host may carry members of one cluster only once). */
export const leaseHosts = (cluster: PgCluster) => [...new Set(cluster.members.map((m) => m.host))]

export const binDir = (m: PgMember, major: string) => m.binDir ?? `/usr/lib/postgresql/${major}/bin`
export const debianConfDir = (m: PgMember, major: string) => `/etc/postgresql/${major}/${m.debianName}`
export const logFile = (m: Pick<PgMember, 'name' | 'layout' | 'debianName' | 'logFile'>, major: string) =>
  m.layout === 'debian' ? `/var/log/postgresql/postgresql-${major}-${m.debianName}.log` : (m.logFile ?? `/var/log/postgresql/replicadesk-${m.name}.log`)
/** Where a member's pg_hba.conf is when ReplicaDesk made the member. */
export const hbaFile = (m: PgMember, major: string) => (m.layout === 'debian' ? `${debianConfDir(m, major)}/pg_hba.conf` : `${m.dataDir}/pg_hba.conf`)
