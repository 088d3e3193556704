// One database session to one member for live status: node-postgres over an SSH
// stream-local channel to the server's Unix socket, peer-authenticated as the SSH login user.
// It lives as long as the channel; the first thing that ends it (the server's FATAL, the
// channel's close, the SSH connection's loss) is kept as the reason and reported once.
import type { Duplex } from 'node:stream'
import type { Client } from 'pg'
import { AppError } from '../../../../../shared/errors'
import type { Target } from '../../../ssh'
import type { StatusSession, StatusSsh } from '../../engine'
import { DATA_DIR_SQL, parseSample, POLL_SQL, type RawSample } from './query'

export interface DbSessionOptions {
  target: Target
  socketPath: string
  /** SSH connect + channel + startup + authentication (default 5 s). */
  connectTimeoutMs: number
  /** Server-side statement_timeout of every query in the session. */
  statementTimeoutMs: number
  /** Ask the SSH layer to find out why a refused stream was refused (an extra command). */
  diagnose?: boolean
}

// node-postgres is loaded on first use, while the first SSH handshakes wait for the servers:
// a cold one-shot process (`replicadesk status --json`) saves most of its load time.
let pgModule: Promise<typeof import('pg')> | undefined
const loadPg = () => (pgModule ??= import('pg').then((m) => (m as unknown as { default?: typeof import('pg') }).default ?? m))

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
  private ended: unknown
  private endedFlag = false
  private readonly listeners: ((why: unknown) => void)[] = []

  private constructor(
    private readonly client: Client,
    private readonly stream: Duplex,
    user: string,
  ) {
    this.user = user
    client.on('error', (err) => this.end(err))
    client.on('end', () => this.end(new Error('Connection terminated unexpectedly')))
  }

  static async open(ssh: StatusSsh, o: DbSessionOptions): Promise<DbSession> {
    const deadline = Date.now() + o.connectTimeoutMs
    const opening = ssh.openStreamLocal(o.target, o.socketPath, { timeoutMs: o.connectTimeoutMs, diagnose: o.diagnose })
    const [opened, pgLoaded] = await Promise.allSettled([opening, loadPg()])
    if (opened.status === 'rejected') throw opened.reason
    const { stream, user } = opened.value
    if (pgLoaded.status === 'rejected') {
      stream.destroy()
      throw pgLoaded.reason
    }
    const pg = pgLoaded.value
    const left = Math.max(1, deadline - Date.now())
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
    let timer: NodeJS.Timeout | undefined
    const connecting = client.connect()
    connecting.catch(() => {}) // after a time-out nobody awaits it any more
    try {
      await Promise.race([
        connecting,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new AppError('ssh_timeout', `PostgreSQL at ${o.socketPath} did not finish the login within ${o.connectTimeoutMs} ms.`, { socketPath: o.socketPath })), left)
        }),
      ])
    } catch (err) {
      stream.destroy()
      client.end().catch(() => {})
      throw err
    } finally {
      clearTimeout(timer)
      client.off('error', early)
    }
    return new DbSession(client, stream, user)
  }

  get closed(): boolean {
    return this.endedFlag
  }

  /** The first reason the session ended. */
  get why(): unknown {
    return this.ended
  }

  /** One statement, one row (simple query protocol: a single round trip). */
  async row(sql: string): Promise<Record<string, unknown>> {
    if (this.endedFlag) throw this.ended
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

  /**
   * Ends the session: Terminate, then the channel closes. A server that does not answer (hung,
   * stopped) gets its channel closed after `graceMs` anyway. Never throws.
   */
  async close(graceMs = 500): Promise<void> {
    this.end(new Error('closed by ReplicaDesk'))
    let timer: NodeJS.Timeout | undefined
    const ended = await Promise.race([
      this.client.end().then(() => true, () => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), graceMs))),
    ])
    clearTimeout(timer)
    if (!ended) this.stream.destroy()
  }
}
