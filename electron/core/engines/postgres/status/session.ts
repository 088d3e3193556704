// One database session to one member for live status: node-postgres over an SSH
// stream-local channel to the server's Unix socket, peer-authenticated as the SSH login user.
// It lives as long as the channel; the first thing that ends it (the server's FATAL, the
// channel's close, the SSH connection's loss) is kept as the reason and reported once.
import type { Duplex } from 'node:stream'
import type { Client } from 'pg'
import type { StatusSession, StatusSsh } from '../../engine'
import { endsWithin, lazyDriver, loginWithin, openSocketChannel, SessionEnd, type SocketChannelOptions } from '../../status-session'
import { DATA_DIR_SQL, parseSample, POLL_SQL, type RawSample } from './query'

export interface DbSessionOptions extends SocketChannelOptions {
  /** Server-side statement_timeout of every query in the session. */
  statementTimeoutMs: number
}

// node-postgres is loaded on first use, while the first SSH handshakes wait for the servers:
// a cold one-shot process (`replicadesk status --json`) saves most of its load time.
const loadPg = lazyDriver(() => import('pg'))

/** The channel as node-postgres wants a socket: connect/setNoDelay/setKeepAlive. */
function asSocket(stream: Duplex): Duplex {
  const s = stream as Duplex & { connect?: () => void; setNoDelay?: () => void; setKeepAlive?: () => void }
  // pg calls connect() and then listens for 'connect': the channel is open already.
  s.connect = () => process.nextTick(() => s.emit('connect'))
  s.setNoDelay = () => {}
  s.setKeepAlive = () => {}
  return s
}

export class DbSession implements StatusSession<RawSample> {
  /** The login user (= the database role peer authentication maps to). */
  readonly user: string
  private readonly life = new SessionEnd()

  private constructor(
    private readonly client: Client,
    private readonly stream: Duplex,
    user: string,
  ) {
    this.user = user
    client.on('error', (err) => this.life.end(err))
    client.on('end', () => this.life.end(new Error('Connection terminated unexpectedly')))
  }

  static async open(ssh: StatusSsh, o: DbSessionOptions): Promise<DbSession> {
    const deadline = Date.now() + o.connectTimeoutMs
    const { stream, user, driver: pg } = await openSocketChannel(ssh, o, loadPg)
    const client = new pg.Client({
      user,
      database: 'postgres',
      application_name: 'replicadesk-status',
      statement_timeout: o.statementTimeoutMs,
      stream: () => asSocket(stream),
    })
    // Until the session object exists, errors are the connect call's to report.
    const early = (err: Error) => void err
    client.on('error', early)
    try {
      await loginWithin(client.connect(), deadline, 'PostgreSQL', o)
    } catch (err) {
      stream.destroy()
      client.end().catch(() => {})
      throw err
    } finally {
      client.off('error', early)
    }
    return new DbSession(client, stream, user)
  }

  get closed(): boolean {
    return this.life.ended
  }

  /** The first reason the session ended. */
  get why(): unknown {
    return this.life.reason
  }

  /** One statement, one row (simple query protocol: a single round trip). */
  async row(sql: string): Promise<Record<string, unknown>> {
    if (this.life.ended) throw this.life.reason
    const r = await this.client.query(sql)
    return (r.rows[0] ?? {}) as Record<string, unknown>
  }

  /** The poll: one statement, one row, parsed (never throws on odd values). */
  async sample(): Promise<RawSample> {
    return parseSample(await this.row(POLL_SQL))
  }

  /** data_directory (readable with pg_monitor); undefined when it cannot be read. */
  async dataDir(): Promise<string | undefined> {
    const dd = await this.row(DATA_DIR_SQL).catch(() => ({}) as Record<string, unknown>)
    return typeof dd.setting === 'string' ? dd.setting : undefined
  }

  /** Called once, with the first reason, when the session ends (at once if it has). */
  onEnd(listener: (why: unknown) => void): void {
    this.life.onEnd(listener)
  }

  /**
   * Ends the session: Terminate, then the channel closes. A server that does not answer (hung,
   * stopped) gets its channel closed after `graceMs` anyway. Never throws.
   */
  async close(graceMs = 500): Promise<void> {
    this.life.end(new Error('closed by ReplicaDesk'))
    if (!(await endsWithin(this.client.end(), graceMs))) this.stream.destroy()
  }
}
