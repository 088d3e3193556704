// The SSH layer's facade for the rest of the core: exec, pipe (a copy between hosts), test, trust, state. See README.md.
import { EventEmitter } from 'node:events'
import { homedir, userInfo } from 'node:os'
import { join } from 'node:path'
import { AppError } from '../../../shared/errors'
import { withOrigin } from '../activity/origin'
import { sshUser } from '../../../shared/hosts'
import { commandRecorder, type ActivitySink } from './activity-record'
import type { SecretPrompt } from './auth'
import { configHosts, configLoader, type ConfigHost } from './config-hosts'
import { DEFAULT_TIMING, type Timing } from './connect'
import { DEFAULT_TIMEOUT_MS, runCommand, type ExecOptions, type ExecResult, type RawExecOptions } from './exec'
import { HostKeyChecker } from './host-keys'
import { runHostTest, type HostProbe, type HostTestResult, type ProbedFacts } from './host-test'
import { relayPipe, type PipeOptions, type PipeResult } from './pipe'
import { Pool, type Backoff, type HostState } from './pool'
import type { Arg } from './quote'
import { defaultConfigPath, type ConfigContext } from './ssh-config'
import { ForwardingSeen, forwardingLogin, openChannel, parseSocketCheck, refusalError, SOCKET_CHECK, socketPathSchema, undiagnosedRefusal, type StreamLocal, type StreamLocalOptions } from './stream-local'
import { resolveTarget, type ResolvedTarget, type Target } from './target'
import { trustPresentedKey } from './trust-key'
import { JsonFileTrustStore, type TrustStore, type TrustedKey } from './trust-store'

export type { ActivitySink } from './activity-record'
export type { ConfigHost } from './config-hosts'
export type { HostProbe, HostTestResult, ProbedFacts } from './host-test'
export type { PipeOptions, PipeResult, PipeSide } from './pipe'

export interface SshServiceOptions {
  dataDir: string
  /** Where confirmed host keys live; default: trusted-host-keys.json in dataDir. */
  trustStore?: TrustStore
  activityLog?: ActivitySink
  /** Default ~/.ssh/config. */
  sshConfigPath?: string
  /** Default ~/.ssh/known_hosts, ~/.ssh/known_hosts2, /etc/ssh/ssh_known_hosts. */
  knownHostsPaths?: string[]
  homeDir?: string
  /** Login name when neither the target nor the config names one. */
  localUser?: string
  secretPrompt?: SecretPrompt
  /** Agent socket/pipe; null: no agent; default: SSH_AUTH_SOCK (Windows: OpenSSH pipe, Pageant). */
  agent?: string | null
  /** Handshake + login limit (default 10 s). */
  connectTimeoutMs?: number
  keepaliveIntervalMs?: number
  keepaliveCountMax?: number
  /** Channels open at once per connection (default 8, under sshd's MaxSessions 10). */
  channelLimit?: number
  reconnect?: Partial<Backoff>
}

export interface SshService {
  exec(target: Target, argv: readonly Arg[], opts?: ExecOptions): Promise<ExecResult>
  /**
   * Streams the stdout of `fromArgv` on one host into the stdin of `toArgv` on another,
   * relayed through the two pooled connections (no port opens between the hosts). Either end
   * failing, or no byte moving for `idleTimeoutMs`, stops the other; see pipe.ts.
   */
  pipe(from: Target, fromArgv: readonly Arg[], to: Target, toArgv: readonly Arg[], opts: PipeOptions): Promise<PipeResult>
  /** The host test; each engine's probe adds what it finds installed (e.g. PostgreSQL's versions). */
  test<P extends readonly HostProbe<object>[] = []>(target: Target, ...probes: P): Promise<HostTestResult & ProbedFacts<P>>
  trust(target: Target, fingerprint: string): Promise<TrustedKey>
  /**
   * A stream to a Unix socket on the host (e.g. a database server's) over the pooled
   * connection; sshd connects to it as the login user. A refusal says why (socket missing, no
   * access, or sshd's AllowStreamLocalForwarding) after a one-line check on the host.
   */
  openStreamLocal(target: Target, socketPath: string, opts?: StreamLocalOptions): Promise<StreamLocal>
  state(target: Target): Promise<HostState>
  states(): HostState[]
  onState(listener: (state: HostState) => void): () => void
  listConfigHosts(): Promise<ConfigHost[]>
  disconnect(target: Target): Promise<void>
  close(): Promise<void>
}

function timingOf(o: SshServiceOptions): Timing {
  return {
    readyTimeoutMs: o.connectTimeoutMs ?? DEFAULT_TIMING.readyTimeoutMs,
    keepaliveIntervalMs: o.keepaliveIntervalMs ?? DEFAULT_TIMING.keepaliveIntervalMs,
    keepaliveCountMax: o.keepaliveCountMax ?? DEFAULT_TIMING.keepaliveCountMax,
    channelLimit: o.channelLimit ?? DEFAULT_TIMING.channelLimit,
  }
}

// A command's time limit covers getting a connection too: a host that is cut off must not
// hold a short command for the whole handshake time (a failover asks with 1–3 s).
function sessionWithin(pool: Pool, t: ResolvedTarget, ms: number) {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AppError('ssh_timeout', `${t.label} did not accept a connection within ${ms} ms. Is the host down or cut off?`, { host: t.address, port: t.port, timeoutMs: ms })), ms)
  })
  return Promise.race([pool.session(t), late]).finally(() => clearTimeout(timer))
}

export function createSshService(o: SshServiceOptions): SshService {
  const home = o.homeDir ?? homedir()
  const ctx: ConfigContext = { homeDir: home, localUser: o.localUser ?? safeUserName() }
  const knownHosts = o.knownHostsPaths ?? [join(home, '.ssh', 'known_hosts'), join(home, '.ssh', 'known_hosts2'), '/etc/ssh/ssh_known_hosts']
  const checker = new HostKeyChecker(knownHosts, o.trustStore ?? new JsonFileTrustStore(o.dataDir))
  const timing = timingOf(o)
  const events = new EventEmitter()
  events.setMaxListeners(0)
  const pool = new Pool({
    checker,
    timing,
    auth: { agent: o.agent, homeDir: home, secretPrompt: o.secretPrompt },
    backoff: { initialMs: o.reconnect?.initialMs ?? 250, maxMs: o.reconnect?.maxMs ?? 30_000 },
    onState: (s) => events.emit('state', s),
  })
  const loadConfig = configLoader(o.sshConfigPath ?? defaultConfigPath(home), ctx)
  const resolve = async (target: Target): Promise<ResolvedTarget> => resolveTarget(target, await loadConfig(), ctx)
  const record = commandRecorder(o.activityLog)
  const forwarded = new ForwardingSeen()

  const execResolved = async (t: ResolvedTarget, argv: readonly Arg[], opts: RawExecOptions = {}): Promise<ExecResult> => {
    const started = new Date()
    try {
      if (typeof opts.sudo === 'string' && !sshUser.safeParse(opts.sudo).success) {
        throw new AppError('invalid_input', `"${opts.sudo}" is not a valid user name for sudo -u.`)
      }
      const session = await sessionWithin(pool, t, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS)
      const result = await runCommand(session, argv, opts)
      record(t, argv, opts, started, result)
      return result
    } catch (err) {
      record(t, argv, opts, started, undefined, err)
      throw err
    }
  }

  return {
    async exec(target, argv, opts) {
      return execResolved(await resolve(target), argv, opts)
    },

    async pipe(from, fromArgv, to, toArgv, opts) {
      const [f, t] = await Promise.all([resolve(from), resolve(to)])
      const argv = { from: fromArgv, to: toArgv }
      const ends = { from: { label: f.label, argv: fromArgv }, to: { label: t.label, argv: toArgv } }
      return relayPipe(ends, opts, (side, relay, o) => execResolved(side === 'from' ? f : t, argv[side], { ...o, relay }))
    },

    async test<P extends readonly HostProbe<object>[] = []>(target: Target, ...probes: P) {
      return withOrigin('host-test', async () => {
        const t = await resolve(target)
        const session = await pool.session(t)
        return runHostTest(t.label, session, (argv, opts) => execResolved(t, argv, opts), probes)
      })
    },

    async trust(target, fingerprint) {
      if (typeof fingerprint !== 'string' || !/^SHA256:[A-Za-z0-9+/]{43}$/.test(fingerprint)) {
        throw new AppError('invalid_input', 'The fingerprint to trust must look like SHA256:… (43 base64 characters).')
      }
      return trustPresentedKey(await resolve(target), fingerprint, pool, checker, timing)
    },

    async openStreamLocal(target, socketPath, opts = {}) {
      const path = socketPathSchema.safeParse(socketPath)
      if (!path.success) throw new AppError('invalid_input', `Invalid socket path ${JSON.stringify(String(socketPath)).slice(0, 120)}: ${path.error.issues[0]?.message}`)
      const t = await resolve(target)
      const session = await pool.session(t)
      try {
        const stream = await openChannel(session, path.data, opts.timeoutMs ?? timing.readyTimeoutMs)
        forwarded.add(forwardingLogin(session))
        return { stream, user: t.user, host: t.label }
      } catch (err) {
        if (err instanceof AppError || session.closed) throw err
        if (opts.diagnose === false) throw undiagnosedRefusal(session, path.data, (err as Error).message)
        // sshd gives the same "open failed" for a refused forward and an unconnectable socket.
        const check = await execResolved(t, ['sh', '-c', SOCKET_CHECK, 'sh', path.data], { timeoutMs: 5000 })
        throw refusalError(session, path.data, parseSocketCheck(check.stdout), (err as Error).message, forwarded.has(forwardingLogin(session)))
      }
    },

    async state(target) {
      return pool.state(await resolve(target))
    },

    states: () => pool.states(),

    onState(listener) {
      events.on('state', listener)
      return () => events.off('state', listener)
    },

    async listConfigHosts() {
      return configHosts(await loadConfig(), ctx)
    },

    async disconnect(target) {
      pool.disconnect(await resolve(target))
    },

    close: () => pool.close(),
  }
}

function safeUserName(): string {
  try {
    return userInfo().username
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'root'
  }
}
