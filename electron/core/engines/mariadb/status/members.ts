// Where status finds a MariaDB member (its Unix socket: the record's, else the layout's
// default, shared/mariadb.ts mariaSocket), and the members of a cluster record as status reads
// them, each with the files a look at a stopped server needs (pid file, error log, unit).
import type { Target } from '../../../ssh'
import type { StatusClusterInput, StatusMemberInput } from '../../engine'
import { DEBIAN_UNIT, errorLog, pidFile, socketOf, type MariaCluster, type MariaMember } from '../model'
import { mariadbStatus } from './source'

/** Debian's error log when an administrator enabled it (50-server.cnf ships it commented out: the journal). */
export const DEBIAN_ERROR_LOG = '/var/log/mysql/error.log'

/** A member as the MariaDB source reads it: status passes this very object back to it. */
export interface MariaStatusMemberInput extends StatusMemberInput {
  /** The server's pid file, to tell a crash (left behind) from a clean stop. */
  pidFile?: string
  /** The systemd unit whose journal holds the server's output (Debian layout). */
  unit?: string
}

type MemberRecord = Pick<MariaMember, 'name' | 'host' | 'address' | 'port' | 'dataDir' | 'layout' | 'socket'>

/** The members of a cluster record (any object with these fields: MariaCluster, a test's own). */
export function statusMembers(cluster: { id: string; members: readonly MemberRecord[] } | MariaCluster, targetOf: (host: string) => Target): StatusClusterInput {
  return {
    id: cluster.id,
    source: mariadbStatus,
    members: cluster.members.map((m): MariaStatusMemberInput => {
      const socket = socketOf(m)
      return {
        name: m.name,
        host: m.host,
        target: targetOf(m.host),
        port: m.port,
        socketPath: socket,
        socketDir: socket.replace(/\/[^/]+$/, '') || '/',
        dataDir: m.dataDir,
        address: m.address,
        logFile: errorLog(m) ?? DEBIAN_ERROR_LOG,
        pidFile: pidFile(m),
        ...(m.layout === 'debian' && { unit: DEBIAN_UNIT }),
        // An admin login (access 'sudo', the only one) reads the server's files as mysql.
        serverUser: 'mysql',
      }
    }),
  }
}
