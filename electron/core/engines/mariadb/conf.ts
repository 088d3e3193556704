// The option file ReplicaDesk writes for a member (pure). Every member carries the same
// replication settings, so any of them can become the primary later: its own server_id, the
// binary log (ROW, replicas log what they apply, strict GTID), the relay log's name, the
// semi-synchronous settings from the record, and where it listens.
// Which of them a running server takes only at a restart is said here too (adopt restarts
// only for those).
import { BINLOG_BASENAME, errorLog, pidFile, RELAY_LOG_BASENAME, socketOf, type MariaCluster, type MariaMember } from './model'

export type Setting = [name: string, value: string]

/** Keeps what a running server already has where changing it would lose something (adopt). */
export interface KeepFromServer {
  /** The running server's binary log basename (a new one would start a new binlog set and lose gtid_binlog_state). */
  logBin?: string
  /** The running server's relay log basename (a new name orphans the relay logs of a running replica). */
  relayLog?: string
}

const onOff = (b: boolean) => (b ? 'ON' : 'OFF')

/**
 * bind-address: the member's own address (where the others reach it), not 0.0.0.0: the
 * server is not offered on networks the cluster does not use. The socket serves everything local.
 */
export function memberSettings(c: Pick<MariaCluster, 'semiSync'>, m: MariaMember, keep: KeepFromServer = {}): Setting[] {
  const plain = m.layout === 'plain'
  return [
    ['datadir', m.dataDir],
    ['port', String(m.port)],
    ['socket', socketOf(m)],
    ...(plain ? ([['pid-file', pidFile(m)], ['log_error', errorLog(m)!]] as Setting[]) : []),
    ['bind-address', m.address],
    ['skip-name-resolve', 'ON'],
    ['server_id', String(m.serverId)],
    ['log_bin', keep.logBin ?? BINLOG_BASENAME],
    ['binlog_format', 'ROW'],
    ['log_slave_updates', 'ON'],
    ['gtid_strict_mode', 'ON'],
    ['relay_log', keep.relayLog ?? RELAY_LOG_BASENAME],
    ['rpl_semi_sync_master_enabled', onOff(c.semiSync.enabled)],
    ['rpl_semi_sync_slave_enabled', onOff(m.sync)],
    ['rpl_semi_sync_master_wait_point', 'AFTER_SYNC'],
    ['rpl_semi_sync_master_timeout', String(c.semiSync.timeoutMs)],
  ]
}

/** Settings a running server only takes at a restart (the others are SET GLOBAL too). */
export const RESTART_ONLY = new Set(['datadir', 'port', 'socket', 'pid-file', 'log_error', 'bind-address', 'skip-name-resolve', 'log_bin', 'log_slave_updates', 'relay_log'])

/** The server variable that reports a setting (option names use dashes where variables use underscores). */
export const variableOf = (setting: string) => (setting === 'log_bin' ? 'log_bin_basename' : setting === 'relay_log' ? 'relay_log_basename' : setting.replace(/-/g, '_'))

/** The option file's text. `include`: an option file the server ran with before (adopt of a plain server), read first so ours wins. */
export function optionFileText(c: Pick<MariaCluster, 'id' | 'semiSync'>, m: MariaMember, keep: KeepFromServer = {}, include?: string): string {
  const lines = [
    `# Written by ReplicaDesk for member ${m.name} of cluster ${c.id}; it rewrites this file.`,
    '# Change these settings through ReplicaDesk (the cluster\'s redundancy settings), not here.',
    ...(include ? [`!include ${include}`] : []),
    '[mariadbd]',
    ...memberSettings(c, m, keep).map(([k, v]) => `${k} = ${v}`),
  ]
  return lines.join('\n') + '\n'
}
