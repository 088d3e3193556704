// Where status finds a PostgreSQL member: its Unix socket (unix_socket_directories, default
// /var/run/postgresql, file .s.PGSQL.PORT), and the members of a cluster record as status
// reads them (the SSH target of each host resolved by the caller).
import type { Target } from '../../../ssh'
import type { StatusClusterInput, StatusMemberInput } from '../../engine'
import { logFile, type PgMember } from '../model'

type MemberRecord = { name: string; host: string; port: number; socketDir?: string; dataDir?: string; address?: string } & Partial<Pick<PgMember, 'layout' | 'debianName' | 'logFile' | 'access'>>

/** Where the member's server logs (known for members ReplicaDesk made or adopted: `major` and `layout` given). */
const logOf = (m: MemberRecord, major: string | undefined) => (major && m.layout ? logFile({ name: m.name, layout: m.layout, debianName: m.debianName ?? 'main', logFile: m.logFile }, major) : m.logFile)

const DEFAULT_SOCKET_DIR = '/var/run/postgresql'

export const socketPathOf = (m: Pick<StatusMemberInput, 'socketDir' | 'port'>) => `${(m.socketDir ?? DEFAULT_SOCKET_DIR).replace(/\/+$/, '')}/.s.PGSQL.${m.port}`

/** The members of a cluster record (any object with these fields: PgCluster, a test's own). */
export function statusMembers(cluster: { id: string; major?: string; members: readonly MemberRecord[] }, targetOf: (host: string) => Target): StatusClusterInput {
  return {
    id: cluster.id,
    members: cluster.members.map((m) => ({
      name: m.name,
      host: m.host,
      target: targetOf(m.host),
      port: m.port,
      socketDir: m.socketDir,
      dataDir: m.dataDir,
      address: m.address,
      logFile: logOf(m, cluster.major),
      // An admin login reads the server's files as postgres (sudo -n -u postgres).
      serverUser: m.access === 'sudo' ? 'postgres' : undefined,
    })),
  }
}
