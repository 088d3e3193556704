// What one read of a MariaDB member asks (10.5.9 or later) and how its answer is read: the status
// poll, and the role changes and the add-replica catch-up that judge the same facts. One round
// trip: a SELECT of the server's variables and global status, then SHOW ALL SLAVES STATUS,
// sent together (multiple statements, one packet). Grants: anyone reads the SELECT;
// SHOW ALL SLAVES STATUS needs SLAVE MONITOR (or SUPER). performance_schema is off by default
// on Debian and information_schema has no slave threads in 10.11, hence the SHOW.
export const POLL_SQL = `SELECT @@read_only AS ro, @@server_id AS sid, @@version AS ver,
  @@gtid_current_pos AS cur, @@gtid_binlog_pos AS bin, @@gtid_slave_pos AS slv,
  @@rpl_semi_sync_master_enabled AS sme, @@rpl_semi_sync_slave_enabled AS sse,
  @@datadir AS dd, @@log_error AS le, @@pid_file AS pf, UNIX_TIMESTAMP(NOW(6)) AS now_s,
  (SELECT GROUP_CONCAT(VARIABLE_NAME, '=', VARIABLE_VALUE SEPARATOR ',') FROM information_schema.GLOBAL_STATUS
   WHERE VARIABLE_NAME IN ('UPTIME', 'RPL_SEMI_SYNC_MASTER_STATUS', 'RPL_SEMI_SYNC_SLAVE_STATUS', 'RPL_SEMI_SYNC_MASTER_CLIENTS')) AS st;
SHOW ALL SLAVES STATUS`

/** One replication connection of the member (SHOW ALL SLAVES STATUS row; '' is the default one). */
export interface SlaveThreads {
  connection: string
  /** Slave_IO_Running / Slave_SQL_Running: "Yes", "No", "Connecting", "Preparing". */
  ioRunning: string
  sqlRunning: string
  lastIoError: string | null
  lastSqlError: string | null
  secondsBehind: number | null
  masterHost: string | null
  masterPort: number | null
  /** Gtid_IO_Pos: what the IO thread received. */
  gtidIoPos: string | null
  usingGtid: string | null
}

export interface MariaSample {
  /** Server time of the sample, epoch ms. */
  serverMs: number
  readOnly: boolean
  serverId: number | null
  version: string
  startedMs: number | null
  gtidCurrentPos: string
  gtidBinlogPos: string
  gtidSlavePos: string
  semiMasterEnabled: boolean
  semiSlaveEnabled: boolean
  /** Rpl_semi_sync_master_status: on while the primary waits for acknowledgements, off after a fall-back. */
  semiMasterOn: boolean
  semiSlaveOn: boolean
  semiClients: number | null
  /** The server's own paths (for the disk figure and a look at a stopped server). */
  dataDir: string | null
  errorLog: string | null
  pidFile: string | null
  /** Replication connections; empty: no replication configured. */
  slaves: SlaveThreads[]
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : null)
const num = (v: unknown): number | null => {
  if (typeof v === 'number' && Number.isFinite(v)) return v
  if (typeof v === 'bigint') return Number(v)
  const s = str(v)
  if (s !== null && s.trim() !== '' && Number.isFinite(Number(s))) return Number(s)
  return null
}
const on = (v: unknown) => v === 1 || v === '1' || v === true || (typeof v === 'string' && /^(on|yes)$/i.test(v))
const text = (v: unknown) => {
  const s = str(v)
  return s === null || s === '' ? null : s
}
const masked = (v: unknown) => {
  const t = text(v)
  return t === null ? null : maskSecrets(t)
}
/** Positions as printed, without the line breaks long lists may carry. */
const pos = (v: unknown) => (str(v) ?? '').replace(/\s+/g, '')

/** "UPTIME=12,RPL_SEMI_SYNC_MASTER_STATUS=ON" → a map (names upper case). */
function statusMap(v: unknown): Map<string, string> {
  const m = new Map<string, string>()
  for (const kv of (str(v) ?? '').split(',')) {
    const i = kv.indexOf('=')
    if (i > 0) m.set(kv.slice(0, i).trim().toUpperCase(), kv.slice(i + 1).trim())
  }
  return m
}

export function parseSlave(row: Record<string, unknown>): SlaveThreads {
  return {
    connection: str(row.Connection_name) ?? '',
    ioRunning: str(row.Slave_IO_Running) ?? '?',
    sqlRunning: str(row.Slave_SQL_Running) ?? '?',
    lastIoError: masked(row.Last_IO_Error),
    lastSqlError: masked(row.Last_SQL_Error),
    secondsBehind: num(row.Seconds_Behind_Master),
    masterHost: text(row.Master_Host),
    masterPort: num(row.Master_Port),
    gtidIoPos: text(row.Gtid_IO_Pos),
    usingGtid: text(row.Using_Gtid),
  }
}

/** Parses the poll's two result sets (output from a server: never trusted, never thrown on). */
export function parseSample(row: Record<string, unknown>, slaves: readonly Record<string, unknown>[]): MariaSample {
  const st = statusMap(row.st)
  const nowS = num(row.now_s)
  const serverMs = nowS === null ? Date.now() : Math.round(nowS * 1000)
  const uptime = num(st.get('UPTIME'))
  return {
    serverMs,
    readOnly: on(row.ro),
    serverId: num(row.sid),
    version: str(row.ver) ?? '?',
    startedMs: uptime === null ? null : serverMs - uptime * 1000,
    gtidCurrentPos: pos(row.cur),
    gtidBinlogPos: pos(row.bin),
    gtidSlavePos: pos(row.slv),
    semiMasterEnabled: on(row.sme),
    semiSlaveEnabled: on(row.sse),
    semiMasterOn: on(st.get('RPL_SEMI_SYNC_MASTER_STATUS')),
    semiSlaveOn: on(st.get('RPL_SEMI_SYNC_SLAVE_STATUS')),
    semiClients: num(st.get('RPL_SEMI_SYNC_MASTER_CLIENTS')),
    dataDir: text(row.dd)?.replace(/(.)\/+$/, '$1') ?? null,
    errorLog: text(row.le),
    pidFile: text(row.pf),
    slaves: slaves.map(parseSlave),
  }
}

/** The connection ReplicaDesk sets up (the default, ''), else the first one. */
export const mainSlave = (s: Pick<MariaSample, 'slaves'>): SlaveThreads | null => s.slaves.find((x) => x.connection === '') ?? s.slaves[0] ?? null

// A replicated statement that failed is quoted whole in Last_SQL_Error and the error log,
// passwords included (CREATE USER … IDENTIFIED BY '…', CHANGE MASTER … MASTER_PASSWORD='…').
const SECRET = /(IDENTIFIED\s+(?:BY|VIA\s+\w+\s+(?:USING|AS))\s*(?:PASSWORD\s*\(?\s*)?|MASTER_PASSWORD\s*=\s*|PASSWORD\s*\(\s*)('(?:[^'\\]|\\.|'')*'?|"(?:[^"\\]|\\.)*"?)/gi

/** The text with every password of a quoted statement masked. */
export const maskSecrets = (text: string) => text.replace(SECRET, "$1'***'")
