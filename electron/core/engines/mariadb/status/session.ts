// One MariaDB session to one member for live status: mysql2 over an SSH stream-local channel
// to the server's Unix socket, authenticated by unix_socket as the SSH login user (sshd
// connects to the socket as that user; the server reads the peer's uid). It lives as long as
// the channel; the first thing that ends it (the server's goodbye, the channel's close, the
// SSH connection's loss) is kept as the reason and reported once.
import type { Duplex } from 'node:stream'
import type { Connection } from 'mysql2'
import { AppError } from '../../../../../shared/errors'
import type { Target } from '../../../ssh'
import type { StatusSession, StatusSsh } from '../../engine'
import { parseSample, POLL_SQL, type MariaSample } from '../sample'

export interface MariaSessionOptions {
  target: Target
  socketPath: string
  /** SSH connect + channel + handshake + authentication. */
  connectTimeoutMs: number
  /** Server-side max_statement_time of every statement in the session. */
  statementTimeoutMs: number
  diagnose?: boolean
}

// mysql2 is loaded on first use, while the first SSH handshakes wait for the servers.
type Mysql2 = typeof import('mysql2')
let mysqlModule: Promise<Mysql2> | undefined
const loadMysql = () => (mysqlModule ??= import('mysql2').then((m) => (m as unknown as { default?: Mysql2 }).default ?? m))

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
  private ended: unknown
  private endedFlag = false
  private readonly listeners: ((why: unknown) => void)[] = []

  private constructor(
    private readonly conn: Connection,
    private readonly stream: Duplex,
    user: string,
  ) {
    this.user = user
    conn.on('error', (err: Error) => this.end(err))
    conn.on('end', () => this.end(Object.assign(new Error('Connection lost: the server closed the connection.'), { code: 'PROTOCOL_CONNECTION_LOST' })))
    stream.on('close', () => this.end(Object.assign(new Error('Connection lost: the channel to the server closed.'), { code: 'PROTOCOL_CONNECTION_LOST' })))
  }

  static async open(ssh: StatusSsh, o: MariaSessionOptions): Promise<MariaSession> {
    const deadline = Date.now() + o.connectTimeoutMs
    const opening = ssh.openStreamLocal(o.target, o.socketPath, { timeoutMs: o.connectTimeoutMs, diagnose: o.diagnose })
    const [opened, loaded] = await Promise.allSettled([opening, loadMysql()])
    if (opened.status === 'rejected') throw opened.reason
    const { stream, user } = opened.value
    if (loaded.status === 'rejected') {
      stream.destroy()
      throw loaded.reason
    }
    const conn = loaded.value.createConnection({
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
    let timer: NodeJS.Timeout | undefined
    const login = new Promise<void>((resolve, reject) => {
      conn.connect((err) => (err ? reject(err) : resolve()))
    }).then(() => query(conn, statementTimeoutSql(o.statementTimeoutMs)))
    login.catch(() => {}) // after a time-out nobody awaits it any more
    try {
      await Promise.race([
        login,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new AppError('ssh_timeout', `MariaDB at ${o.socketPath} did not finish the login within ${o.connectTimeoutMs} ms.`, { socketPath: o.socketPath })), Math.max(1, deadline - Date.now()))
        }),
      ])
    } catch (err) {
      // `early` stays: a connection given up may still report errors, never to nobody.
      conn.destroy()
      stream.destroy()
      throw err
    } finally {
      clearTimeout(timer)
    }
    conn.off('error', early)
    return new MariaSession(conn, stream, user)
  }

  get closed(): boolean {
    return this.endedFlag
  }

  /** The poll: one packet out, the SELECT's row and the slave rows back. */
  async sample(): Promise<MariaSample> {
    if (this.endedFlag) throw this.ended
    const sets = await query(this.conn, POLL_SQL)
    const [vars, slaves] = [sets[0] ?? [], sets[1] ?? []]
    return parseSample(vars[0] ?? {}, slaves)
  }

  /** The datadir as the server reports it (anyone may read @@datadir). */
  async dataDir(): Promise<string | undefined> {
    if (this.endedFlag) return undefined
    const sets = await query(this.conn, 'SELECT @@datadir AS dd').catch(() => [] as Rows[])
    const dd = sets[0]?.[0]?.dd
    return typeof dd === 'string' && dd !== '' ? dd.replace(/(.)\/+$/, '$1') : undefined
  }

  onEnd(listener: (why: unknown) => void): void {
    if (this.endedFlag) listener(this.ended)
    else this.listeners.push(listener)
  }

  private end(why: unknown): void {
    if (this.endedFlag) return
    this.endedFlag = true
    this.ended = why
    for (const l of this.listeners.splice(0)) {
      try {
        l(why)
      } catch {
        // a listener's bug must not keep the others from hearing
      }
    }
  }

  /** COM_QUIT, then the channel closes; a server that does not answer gets it closed after `graceMs`. Never throws. */
  async close(graceMs = 500): Promise<void> {
    this.end(new Error('closed by ReplicaDesk'))
    let timer: NodeJS.Timeout | undefined
    const ended = await Promise.race([
      new Promise<boolean>((r) => this.conn.end(() => r(true))),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), graceMs))),
    ])
    clearTimeout(timer)
    if (!ended) this.conn.destroy()
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
