// mysql2 connections of the MariaDB write probe (test code), over TCP as the probe user. A
// connection is only ever ended by destroying its socket: the probe never sends KILL QUERY or
// COM_QUIT while a write may be in flight (a killed semi-sync wait can still commit).
import mysql from 'mysql2'
import type { ProbeMember } from '../../probe/types'

export const PROBE_USER = 'rdprobe'
export const PROBE_DATABASE = 'rd_probe'
export const PROBE_TABLE = 'rd_probe.writes'

export type ProbeConnection = mysql.Connection

export interface ConnectOptions {
  password: string
  connectTimeoutMs: number
}

export function openConnection(m: ProbeMember, o: ConnectOptions): Promise<ProbeConnection> {
  const conn = mysql.createConnection({
    host: m.address,
    port: m.port,
    user: PROBE_USER,
    password: o.password,
    database: PROBE_DATABASE,
    connectTimeout: o.connectTimeoutMs,
    supportBigNumbers: true,
    bigNumberStrings: true,
  })
  // Without a listener a lost idle connection would crash the test process; losses surface
  // through the next query on it instead.
  conn.on('error', () => undefined)
  return new Promise((resolve, reject) => {
    conn.connect((err) => {
      if (!err) return resolve(conn)
      conn.destroy()
      reject(err)
    })
  })
}

/** One statement; rows or the driver's error (never a timeout of its own: callers time out and destroy). */
export function query<T = Record<string, unknown>>(conn: ProbeConnection, sql: string, values: unknown[] = []): Promise<T[]> {
  return new Promise((resolve, reject) => {
    conn.query(sql, values, (err, rows) => (err ? reject(err) : resolve(rows as T[])))
  })
}

/** Drops the TCP connection at once (no COM_QUIT, no KILL). */
export function destroyConnection(conn: ProbeConnection) {
  conn.destroy()
}
