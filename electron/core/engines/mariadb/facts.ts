// What a running member's server says about itself, read in two round trips (its variables,
// then SHOW ALL SLAVES STATUS): the settings replication needs, where it runs from, its GTID
// positions and whether it follows another server. Every step that judges a server reads this.
import { mariaError } from './errors'
import { who } from './model'
import type { MariaNode } from './node'
import { runSql, runSqlNamed } from './sql'

export interface FollowedSource {
  connection: string
  masterHost: string
  masterPort: number
  masterServerId: number
  ioRunning: string
  sqlRunning: string
}

export interface ServerFacts {
  version: string
  dataDir: string
  port: number
  socket: string
  pidFile: string
  bindAddress: string
  skipNameResolve: boolean
  serverId: number
  logBin: boolean
  logBinBasename: string
  relayLogBasename: string
  binlogFormat: string
  gtidStrictMode: boolean
  logSlaveUpdates: boolean
  readOnly: boolean
  gtidCurrentPos: string
  gtidBinlogPos: string
  gtidSlavePos: string
  semiSyncMaster: boolean
  semiSyncSlave: boolean
  semiSyncWaitPoint: string
  semiSyncTimeoutMs: number
  /** The sources it replicates from (SHOW ALL SLAVES STATUS); empty on a primary. */
  follows: FollowedSource[]
}

/** The variables, in this order, then the one row they come back in. */
const VARS = [
  'version', 'datadir', 'port', 'socket', 'pid_file', 'bind_address', 'skip_name_resolve', 'server_id', 'log_bin', 'log_bin_basename', 'relay_log_basename', 'binlog_format',
  'gtid_strict_mode', 'log_slave_updates', 'read_only', 'gtid_current_pos', 'gtid_binlog_pos', 'gtid_slave_pos',
  'rpl_semi_sync_master_enabled', 'rpl_semi_sync_slave_enabled', 'rpl_semi_sync_master_wait_point', 'rpl_semi_sync_master_timeout',
] as const
export const FACTS_SQL = `SELECT ${VARS.map((v) => `IFNULL(@@GLOBAL.${v}, '')`).join(', ')}`

const on = (x: string | null | undefined) => x === '1' || x === 'ON'
const noSlash = (p: string) => p.replace(/\/+$/, '') || '/'

export function parseFacts(row: readonly (string | null)[], follows: FollowedSource[]): ServerFacts {
  const v = Object.fromEntries(VARS.map((k, i) => [k, row[i] ?? ''])) as Record<(typeof VARS)[number], string>
  return {
    version: /^(\d+\.\d+\.\d+)/.exec(v.version)?.[1] ?? v.version,
    dataDir: noSlash(v.datadir),
    port: Number(v.port),
    socket: v.socket,
    pidFile: v.pid_file,
    bindAddress: v.bind_address,
    skipNameResolve: on(v.skip_name_resolve),
    serverId: Number(v.server_id),
    logBin: on(v.log_bin),
    logBinBasename: v.log_bin_basename,
    relayLogBasename: v.relay_log_basename,
    binlogFormat: v.binlog_format,
    gtidStrictMode: on(v.gtid_strict_mode),
    logSlaveUpdates: on(v.log_slave_updates),
    readOnly: on(v.read_only),
    gtidCurrentPos: v.gtid_current_pos,
    gtidBinlogPos: v.gtid_binlog_pos,
    gtidSlavePos: v.gtid_slave_pos,
    semiSyncMaster: on(v.rpl_semi_sync_master_enabled),
    semiSyncSlave: on(v.rpl_semi_sync_slave_enabled),
    semiSyncWaitPoint: v.rpl_semi_sync_master_wait_point,
    semiSyncTimeoutMs: Number(v.rpl_semi_sync_master_timeout),
    follows,
  }
}

export const parseFollows = (rows: readonly Record<string, string | null>[]): FollowedSource[] =>
  rows.map((s) => ({ connection: s.Connection_name ?? '', masterHost: s.Master_Host ?? '', masterPort: Number(s.Master_Port ?? 0), masterServerId: Number(s.Master_Server_Id ?? 0), ioRunning: s.Slave_IO_Running ?? '', sqlRunning: s.Slave_SQL_Running ?? '' }))

/** The member's server, read now; rejects naming the member when it does not answer. */
export async function readFacts(n: MariaNode, timeoutMs?: number): Promise<ServerFacts> {
  const [row] = await runSql(n, FACTS_SQL, { timeoutMs })
  if (!row) throw mariaError('sql_failed', `MariaDB ${who(n.member)} returned no variables.`, { host: n.host, member: n.name })
  return parseFacts(row, parseFollows(await runSqlNamed(n, 'SHOW ALL SLAVES STATUS', { timeoutMs })))
}

/** The server_ids of the servers connected to it as replicas (SHOW SLAVE HOSTS). */
export async function replicaServerIds(n: MariaNode): Promise<number[]> {
  return (await runSqlNamed(n, 'SHOW SLAVE HOSTS')).map((r) => Number(r.Server_id ?? 0)).filter((x) => x > 0)
}
