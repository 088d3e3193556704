// The plain sentences a create or adopt plan opens with (pure): what changes, that nothing is
// copied, whether writes pause (an adopt's restart; log_bin is restart-only), that nothing
// existing is lost, and where the secrets live.
import type { CreateClusterParams } from '../create-cluster'
import { memberOf, optionFile, replicationOptionFile, SEMI_SYNC_MEANING } from '../model'

export function createClusterSummary(p: CreateClusterParams): string[] {
  const c = p.cluster
  const m = memberOf(c, p.primary)
  const where = `${m.host}:${m.dataDir}`
  const runs = m.layout === 'debian' ? "through Debian's mariadb unit (enabled, so it starts at boot)" : 'by ReplicaDesk as mysql (no unit: after a reboot, start it again from ReplicaDesk)'
  const access = `ReplicaDesk adds the replication user ${c.replicationUser} (its password only in ${replicationOptionFile(c)}, readable by mysql only, on each member) and a status login named after your SSH user that logs in through the server's socket (unix_socket), so replicas can be added next.`
  const semi = c.semiSync.enabled ? ` Semi-synchronous replication is on (timeout ${c.semiSync.timeoutMs} ms): ${SEMI_SYNC_MEANING}` : ''
  if (p.mode === 'init') {
    return [
      `A new MariaDB server, ${m.name}, is created in ${where} (mariadb-install-db) and started on port ${m.port} ${runs}, as the primary of cluster ${c.id}, with server_id ${m.serverId}, the binary log (ROW) and strict GTIDs.${semi}`,
      'Nothing is copied; it should take a few seconds. There are no writes to pause yet.',
      'Nothing existing can be lost: the datadir must be missing or empty, ReplicaDesk refuses to write into anything else.',
      access,
    ]
  }
  return [
    `The MariaDB server running in ${where} becomes ${m.name}, the primary of cluster ${c.id}; its data stays as it is. Its settings for replication (server_id ${m.serverId}, binary log with ROW format, log_slave_updates, gtid_strict_mode, semi-sync) go into ${optionFile(m)}.${semi}`,
    `Settings the server takes at once are set now (SET GLOBAL). The binary log (log_bin), log_slave_updates, the listen address and the port only change at a restart: ${p.allowRestart ? `if one of them differs, ${m.name} is restarted and writes pause for the restart, usually a few seconds.` : `a restart is not allowed, so if one of them differs the plan stops there and you restart ${m.name} yourself.`}${m.layout === 'plain' ? " A plain server not started from ReplicaDesk's option file is restarted from it." : ''}`,
    'Nothing is copied and nothing can be lost.',
    access,
  ]
}
