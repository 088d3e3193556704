// The one statement a poll sends (one round trip, one row), readable by a role with
// pg_monitor, and its row parsed into a RawSample. PostgreSQL 13 or later (wal_status,
// safe_wal_size; pg_stat_wal_receiver's current columns).
//
// Recovery is read once (a materialized CTE) so the primary-only functions are never reached
// on a standby, even while it is being promoted between two evaluations.
export const POLL_SQL = `WITH r AS MATERIALIZED (SELECT pg_is_in_recovery() AS rec)
SELECT r.rec,
  current_setting('transaction_read_only') = 'on' AS ro,
  current_setting('server_version') AS ver,
  (extract(epoch FROM now()) * 1000)::float8 AS now_ms,
  (extract(epoch FROM pg_postmaster_start_time()) * 1000)::float8 AS start_ms,
  CASE WHEN NOT r.rec THEN pg_current_wal_lsn()::text END AS cur,
  CASE WHEN NOT r.rec THEN ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END AS tli,
  pg_last_wal_receive_lsn()::text AS rcv,
  pg_last_wal_replay_lsn()::text AS rpl,
  (extract(epoch FROM pg_last_xact_replay_timestamp()) * 1000)::float8 AS rpl_ms,
  CASE WHEN r.rec THEN (SELECT timeline_id FROM pg_control_checkpoint()) END AS ckpt_tli,
  (SELECT json_build_array(status, received_tli, sender_host, sender_port, slot_name) FROM pg_stat_wal_receiver) AS wr,
  (SELECT json_agg(json_build_array(application_name, state, sync_state, replay_lsn, (extract(epoch FROM replay_lag))::float8)) FROM pg_stat_replication) AS ws,
  (SELECT json_agg(json_build_array(slot_name, slot_type, active, restart_lsn, wal_status, safe_wal_size,
     CASE WHEN NOT r.rec AND restart_lsn IS NOT NULL THEN pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::float8 END))
   FROM pg_replication_slots) AS sl
FROM r`

/** Read once per session when the member's data dir was not given (pg_read_all_settings, in pg_monitor). */
export const DATA_DIR_SQL = `SELECT setting FROM pg_settings WHERE name = 'data_directory'`

export interface WalReceiver {
  status: string
  timeline: number | null
  senderHost: string | null
  senderPort: number | null
  slot: string | null
}

export interface WalSender {
  /** application_name: the standby's member name when it was set up by ReplicaDesk. */
  name: string
  state: string | null
  syncState: string | null
  replayLsn: string | null
  replayLagSeconds: number | null
}

export interface SlotRow {
  name: string
  type: string
  active: boolean
  restartLsn: string | null
  walStatus: string | null
  safeWalSize: number | null
  retainedBytes: number | null
}

export interface RawSample {
  /** Server time of the sample (now()), epoch ms. */
  serverMs: number
  inRecovery: boolean
  readOnly: boolean
  version: string
  startedMs: number | null
  currentLsn: string | null
  timeline: number | null
  receiveLsn: string | null
  replayLsn: string | null
  replayTsMs: number | null
  receiver: WalReceiver | null
  senders: WalSender[]
  slots: SlotRow[]
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null)
const num = (v: unknown): number | null => {
  if (typeof v === 'number' && Number.isFinite(v)) return v
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v)
  return null
}
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])

/** Parses the poll's row (output parsed from a server: never trusted, never thrown on). */
export function parseSample(row: Record<string, unknown>): RawSample {
  const wr = Array.isArray(row.wr) ? row.wr : null
  const inRecovery = row.rec === true
  return {
    serverMs: num(row.now_ms) ?? Date.now(),
    inRecovery,
    readOnly: row.ro === true,
    version: str(row.ver) ?? '?',
    startedMs: num(row.start_ms),
    currentLsn: str(row.cur),
    timeline: num(row.tli) ?? (wr ? num(wr[1]) : null) ?? num(row.ckpt_tli),
    receiveLsn: str(row.rcv),
    replayLsn: str(row.rpl),
    replayTsMs: num(row.rpl_ms),
    receiver: wr ? { status: str(wr[0]) ?? '?', timeline: num(wr[1]), senderHost: str(wr[2]), senderPort: num(wr[3]), slot: str(wr[4]) } : null,
    senders: arr(row.ws).map((x) => {
      const a = arr(x)
      return { name: str(a[0]) ?? '', state: str(a[1]), syncState: str(a[2]), replayLsn: str(a[3]), replayLagSeconds: num(a[4]) }
    }),
    slots: arr(row.sl).map((x) => {
      const a = arr(x)
      return { name: str(a[0]) ?? '', type: str(a[1]) ?? '', active: a[2] === true, restartLsn: str(a[3]), walStatus: str(a[4]), safeWalSize: num(a[5]), retainedBytes: num(a[6]) }
    }),
  }
}
