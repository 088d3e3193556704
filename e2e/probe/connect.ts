// pg connections for the probe. A connection is only ever ended by destroying its socket:
// the probe never sends a cancel request, because a cancelled synchronous-commit wait
// reports success (with a WARNING) for a row no standby has.
import pg from 'pg'
import type { ProbeMember } from './types'

export const PROBE_ROLE = 'rdprobe'
export const PROBE_TABLE = 'rd_probe'
export const PROBE_DATABASE = 'postgres'

export interface ConnectOptions {
  password: string
  connectTimeoutMs: number
  applicationName: string
}

export async function openClient(m: ProbeMember, o: ConnectOptions): Promise<pg.Client> {
  const client = new pg.Client({
    host: m.address,
    port: m.port,
    user: PROBE_ROLE,
    password: o.password,
    database: PROBE_DATABASE,
    application_name: o.applicationName,
    connectionTimeoutMillis: o.connectTimeoutMs,
    // A server-side statement_timeout would be a cancel too: switch it off for our sessions.
    options: '-c statement_timeout=0',
  })
  // Without a listener a lost idle connection would crash the test process; losses surface
  // through the next query on it instead.
  client.on('error', () => undefined)
  try {
    await client.connect()
  } catch (err) {
    destroyClient(client)
    throw err
  }
  return client
}

/** Drops the TCP connection at once (no Terminate, no cancel request). */
export function destroyClient(client: pg.Client) {
  client.connection.stream.destroy()
}
