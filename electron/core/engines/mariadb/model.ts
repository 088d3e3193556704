// The MariaDB cluster as the user described it (schema: shared/mariadb.ts), and the names and
// paths derived from a member that every step of the engine agrees on. Never who is primary:
// that is read from the servers when it matters.
import type { z } from 'zod'
import { AppError } from '../../../../shared/errors'
import { mariaCluster, mariaSocket, type MariaCluster, type MariaMember } from '../../../../shared/mariadb'

export {
  DEBIAN_DATADIR,
  freeServerId,
  MARIADB_DEFAULT_PORT,
  mariaCluster,
  mariaMember,
  mariaSocket,
  SEMI_SYNC_MEANING,
  type MariaCluster,
  type MariaClusterInput,
  type MariaMember,
  type MariaMemberInput,
} from '../../../../shared/mariadb'

export function parseCluster(input: unknown): MariaCluster {
  const r = mariaCluster.safeParse(input)
  if (!r.success) {
    const issue = r.error.issues[0]
    const where = issue && issue.path.length ? `${issue.path.join('.')}: ` : ''
    throw new AppError('invalid_input', `Invalid MariaDB cluster: ${where}${issue?.message ?? 'invalid'}`, r.error.issues)
  }
  return r.data
}

/** The one wording for a member name the cluster does not have. */
const noMember = (cluster: Pick<MariaCluster, 'id'>, name: string) => `Cluster ${cluster.id} has no member named ${name}`

/** The member of that name; a name the cluster does not have is invalid input. */
export function memberOf(cluster: MariaCluster, name: string): MariaMember {
  const m = cluster.members.find((x) => x.name === name)
  if (!m) throw new AppError('invalid_input', `${noMember(cluster, name)}.`)
  return m
}

/** For an operation's params schema (superRefine): an issue, at its field, for each member name the cluster does not have. */
export function refineMembers(ctx: z.RefinementCtx, cluster: MariaCluster, names: Readonly<Record<string, string | null>>): void {
  for (const [field, name] of Object.entries(names)) {
    if (name !== null && !cluster.members.some((m) => m.name === name)) ctx.addIssue({ code: 'custom', message: noMember(cluster, name), path: [field] })
  }
}

/** Hosts to take the cluster lease on (a host may carry members of one cluster only once). */
export const leaseHosts = (cluster: Pick<MariaCluster, 'members'>) => [...new Set(cluster.members.map((m) => m.host))]

/** "db1 on pi1" — how messages name a member. */
export const who = (m: Pick<MariaMember, 'name' | 'host'>) => `${m.name} on ${m.host}`

/** The member's Unix socket (its own, or the layout's default). */
export const socketOf = (m: Pick<MariaMember, 'socket' | 'layout' | 'port'>) => mariaSocket(m)

/**
 * ReplicaDesk's own files on a host live in /etc/mysql/replicadesk/ (root's, 0755): outside
 * every datadir, so mariadb-backup never copies one member's identity (server_id, port) into
 * another, and a removed or re-made datadir keeps them; /etc survives reboots, unlike /run.
 */
export const RD_CONF_DIR = '/etc/mysql/replicadesk'

/**
 * The option file a member's server runs with. Plain: ReplicaDesk's whole file, one per port
 * (a port is one server per host, whichever cluster it belongs to), passed as
 * --defaults-file. Debian: our settings as a drop-in read after Debian's own 50-server.cnf.
 */
export const optionFile = (m: Pick<MariaMember, 'layout' | 'port'>) => (m.layout === 'debian' ? '/etc/mysql/mariadb.conf.d/60-replicadesk.cnf' : `${RD_CONF_DIR}/rd-${m.port}.cnf`)

/**
 * The option file holding the replication user's password ([client] user + password), one per
 * cluster on each member's host, owned by mysql and 0600: only the server's own user reads it
 * (CHANGE MASTER on a replica, the login test). Never in ReplicaDesk's files or the journal.
 */
export const replicationOptionFile = (cluster: Pick<MariaCluster, 'id'>) => `${RD_CONF_DIR}/replication-${cluster.id}.cnf`

/** Plain layout: the server's pid file and error log, in its datadir (mysql writes there; mariadb-backup copies neither). */
export const pidFile = (m: Pick<MariaMember, 'layout' | 'dataDir'>) => (m.layout === 'debian' ? '/run/mysqld/mysqld.pid' : `${m.dataDir}/mariadbd.pid`)
export const errorLog = (m: Pick<MariaMember, 'layout' | 'dataDir'>) => (m.layout === 'debian' ? undefined : `${m.dataDir}/mariadbd.err`)

/** The binary log's and relay log's basenames (in the datadir): the same on every member, so a copied datadir finds its own. */
export const BINLOG_BASENAME = 'binlog'
export const RELAY_LOG_BASENAME = 'relay-bin'

/** Debian's unit. */
export const DEBIAN_UNIT = 'mariadb'
