// One MariaDB session to one member for live status: mysql2 over an SSH stream-local channel
// to the server's Unix socket, authenticated by unix_socket as the SSH login user (sshd
// connects to the socket as that user; the server reads the peer's uid). It lives as long as
// the channel; the first thing that ends it (the server's goodbye, the channel's close, the
// SSH connection's loss) is kept as the reason and reported once.
import type { Duplex } from 'node:stream'
import type { Connection } from 'mysql2'
import type { StatusSession, StatusSsh } from '../../engine'
import { endsWithin, lazyDriver, loginWithin, openSocketChannel, SessionEnd, type SocketChannelOptions } from '../../status-session'
import { parseSample, POLL_SQL, type MariaSample } from '../sample'

export interface MariaSessionOptions extends SocketChannelOptions {
  /** Server-side max_statement_time of every statement in the session. */
  statementTimeoutMs: number
}

// mysql2 is loaded on first use, while the first SSH handshakes wait for the servers.
const loadMysql = lazyDriver(() => import('mysql2'))

type Rows = Record<string, unknown>[]

/**
 * An account may chain unix_socket after another plugin (`IDENTIFIED VIA ed25519 USING … OR
 * unix_socket`): the server first asks for that plugin, and the chain goes on to unix_socket
 * only once it failed. mysql2 knows none of MariaDB's own client plugins, so each answers with
 * no credentials (an invalid signature, an empty password) instead of ending the login.
 */
const noCredentials = (answer: Buffer) => () => () => answer
export const DECLINED_AUTH_PLUGINS = {
  client_ed25519: noCredentials(Buffer.alloc(64)),
  auth_gssapi_client: noCredentials(Buffer.from([0])),
  dialog: noCredentials(Buffer.from([0])),
  mysql_clear_password: noCredentials(Buffer.from([0])),
}

/** max_statement_time is in seconds (fractions allowed); at least 0.1 s. */
export const statementTimeoutSql = (ms: number) => `SET SESSION max_statement_time = ${Math.max(0.1, Math.round(ms) / 1000).toFixed(3)}`

export class MariaSession implements StatusSession<MariaSample> {
  /** The login user (= the MariaDB account unix_socket maps to, user@localhost). */
  readonly user: string
  private readonly life = new SessionEnd()

  private constructor(
    private readonly conn: Connection,
    private readonly stream: Duplex,
    user: string,
  ) {
    this.user = user
    conn.on('error', (err: Error) => this.life.end(err))
    conn.on('end', () => this.life.end(Object.assign(new Error('Connection lost: the server closed the connection.'), { code: 'PROTOCOL_CONNECTION_LOST' })))
    stream.on('close', () => this.life.end(Object.assign(new Error('Connection lost: the channel to the server closed.'), { code: 'PROTOCOL_CONNECTION_LOST' })))
  }

  static async open(ssh: StatusSsh, o: MariaSessionOptions): Promise<MariaSession> {
    const deadline = Date.now() + o.connectTimeoutMs
    const { stream, user, driver: mysql } = await openSocketChannel(ssh, o, loadMysql)
    const conn = mysql.createConnection({
      stream,
      user,
      // Account for unix_socket: no password ever; the server ignores what the client hashes.
      password: '',
      multipleStatements: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      connectTimeout: o.connectTimeoutMs,
      connectAttributes: { program_name: 'replicadesk-status' },
      authPlugins: DECLINED_AUTH_PLUGINS,
    })
    const early = (err: Error) => void err
    conn.on('error', early)
    const login = new Promise<void>((resolve, reject) => {
      conn.connect((err) => (err ? reject(err) : resolve()))
    }).then(() => query(conn, statementTimeoutSql(o.statementTimeoutMs)))
    try {
      await loginWithin(login, deadline, 'MariaDB', o)
    } catch (err) {
      // `early` stays: a connection given up may still report errors, never to nobody.
      conn.destroy()
      stream.destroy()
      throw err
    }
    conn.off('error', early)
    return new MariaSession(conn, stream, user)
  }

  get closed(): boolean {
    return this.life.ended
  }

  /** The poll: one packet out, the SELECT's row and the slave rows back. */
  async sample(): Promise<MariaSample> {
    if (this.life.ended) throw this.life.reason
    const sets = await query(this.conn, POLL_SQL)
    const [vars, slaves] = [sets[0] ?? [], sets[1] ?? []]
    return parseSample(vars[0] ?? {}, slaves)
  }

  /** The datadir as the server reports it (anyone may read @@datadir). */
  async dataDir(): Promise<string | undefined> {
    if (this.life.ended) return undefined
    const sets = await query(this.conn, 'SELECT @@datadir AS dd').catch(() => [] as Rows[])
    const dd = sets[0]?.[0]?.dd
    return typeof dd === 'string' && dd !== '' ? dd.replace(/(.)\/+$/, '$1') : undefined
  }

  onEnd(listener: (why: unknown) => void): void {
    this.life.onEnd(listener)
  }

  /** COM_QUIT, then the channel closes; a server that does not answer gets it closed after `graceMs`. Never throws. */
  async close(graceMs = 500): Promise<void> {
    this.life.end(new Error('closed by ReplicaDesk'))
    if (!(await endsWithin(new Promise<void>((r) => this.conn.end(() => r())), graceMs))) this.conn.destroy()
    this.stream.destroy()
  }
}

/** One query; its result sets as plain rows (a single statement gives one set). */
function query(conn: Connection, sql: string): Promise<Rows[]> {
  return new Promise((resolve, reject) => {
    conn.query(sql, (err, result) => {
      if (err) return reject(err)
      const sets = Array.isArray(result) && Array.isArray(result[0]) ? (result as unknown[]) : [result]
      resolve(sets.map((s) => (Array.isArray(s) ? (s as Rows) : [])))
    })
  })
}
