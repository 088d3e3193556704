// The SSH layer's facade for the rest of the core: exec, test, trust, state. See README.md.
import { EventEmitter } from 'node:events'
import { stat } from 'node:fs/promises'
import { homedir, userInfo } from 'node:os'
import { join } from 'node:path'
import type SSHConfig from 'ssh-config'
import { AppError } from '../../../shared/errors'
import { sshUser } from '../../../shared/hosts'
import type { ActivityInput } from '../activity/activity-log'
import type { SecretPrompt } from './auth'
import { DEFAULT_TIMING, presentedHostKey, type Timing } from './connect'
import { DEFAULT_TIMEOUT_MS, runCommand, type ExecOptions, type ExecResult } from './exec'
import { HostKeyChecker } from './host-keys'
import { Pool, type Backoff, type HostState } from './pool'
import { redactArgv, type Arg } from './quote'
import { configAliases, defaultConfigPath, hostSettings, loadSshConfig, type ConfigContext } from './ssh-config'
import { openChannel, parseSocketCheck, refusalError, SOCKET_CHECK, socketPathSchema, undiagnosedRefusal, type StreamLocal, type StreamLocalOptions } from './stream-local'
import { resolveTarget, type ResolvedTarget, type Target } from './target'
import { JsonFileTrustStore, type TrustStore, type TrustedKey } from './trust-store'

export interface ActivitySink {
  record(entry: ActivityInput): unknown
}

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

export interface HostTestResult {
  host: string
  os: { id?: string; versionId?: string; prettyName?: string } | null
  postgresVersions: string[]
  roundTripMs: number
  shell: string
  hostKey: { fingerprint: string; keyType: string }
}

export interface ConfigHost {
  alias: string
  address?: string
  port: number
  user?: string
  identityFiles: string[]
  proxyJump?: string
  /** Why it cannot be imported as is, if it cannot. */
  problem?: string
}

export interface SshService {
  exec(target: Target, argv: readonly Arg[], opts?: ExecOptions): Promise<ExecResult>
  test(target: Target): Promise<HostTestResult>
  trust(target: Target, fingerprint: string): Promise<TrustedKey>
  /**
   * A stream to a Unix socket on the host (e.g. PostgreSQL's) over the pooled connection;
   * sshd connects to it as the login user. A refusal says why (socket missing, no access,
   * or sshd's AllowStreamLocalForwarding) after a one-line check on the host.
   */
  openStreamLocal(target: Target, socketPath: string, opts?: StreamLocalOptions): Promise<StreamLocal>
  state(target: Target): Promise<HostState>
  states(): HostState[]
  onState(listener: (state: HostState) => void): () => void
  listConfigHosts(): Promise<ConfigHost[]>
  disconnect(target: Target): Promise<void>
  close(): Promise<void>
}

const PG_SCRIPT = 'for f in /usr/lib/postgresql/*/bin/postgres; do [ -x "$f" ] && echo "$f"; done; command -v pg_config >/dev/null 2>&1 && pg_config --version; exit 0'

function parseOsRelease(text: string): HostTestResult['os'] {
  const v: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim())
    if (m) v[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1').slice(0, 200)
  }
  return { id: v.ID, versionId: v.VERSION_ID, prettyName: v.PRETTY_NAME }
}

export function createSshService(o: SshServiceOptions): SshService {
  const home = o.homeDir ?? homedir()
  const ctx: ConfigContext = { homeDir: home, localUser: o.localUser ?? safeUserName() }
  const configPath = o.sshConfigPath ?? defaultConfigPath(home)
  const knownHosts = o.knownHostsPaths ?? [join(home, '.ssh', 'known_hosts'), join(home, '.ssh', 'known_hosts2'), '/etc/ssh/ssh_known_hosts']
  const checker = new HostKeyChecker(knownHosts, o.trustStore ?? new JsonFileTrustStore(o.dataDir))
  const timing: Timing = {
    readyTimeoutMs: o.connectTimeoutMs ?? DEFAULT_TIMING.readyTimeoutMs,
    keepaliveIntervalMs: o.keepaliveIntervalMs ?? DEFAULT_TIMING.keepaliveIntervalMs,
    keepaliveCountMax: o.keepaliveCountMax ?? DEFAULT_TIMING.keepaliveCountMax,
    channelLimit: o.channelLimit ?? DEFAULT_TIMING.channelLimit,
  }
  const events = new EventEmitter()
  events.setMaxListeners(0)
  const pool = new Pool({
    checker,
    timing,
    auth: { agent: o.agent, homeDir: home, secretPrompt: o.secretPrompt },
    backoff: { initialMs: o.reconnect?.initialMs ?? 250, maxMs: o.reconnect?.maxMs ?? 30_000 },
    onState: (s) => events.emit('state', s),
  })

  // The config is re-read when it changes (checked at most once a second).
  let config: { at: number; mtime: number; value: SSHConfig } | undefined
  const loadConfig = async (): Promise<SSHConfig> => {
    const now = Date.now()
    if (config && now - config.at < 1000) return config.value
    const mtime = await stat(configPath).then((s) => s.mtimeMs, () => 0)
    if (!config || config.mtime !== mtime) config = { at: now, mtime, value: await loadSshConfig(configPath, ctx) }
    else config.at = now
    return config.value
  }
  const resolve = async (target: Target): Promise<ResolvedTarget> => resolveTarget(target, await loadConfig(), ctx)

  const record = (t: ResolvedTarget, argv: readonly Arg[], opts: ExecOptions, started: Date, result?: ExecResult, error?: unknown) => {
    if (!o.activityLog) return
    try {
      o.activityLog.record({
        host: t.label,
        via: t.jump?.label,
        argv: redactArgv(argv),
        sudo: opts.sudo || undefined,
        startedAt: started.toISOString(),
        durationMs: Date.now() - started.getTime(),
        exitCode: result ? result.exitCode : ((error as AppError | undefined)?.detail as { exitCode?: number | null } | undefined)?.exitCode ?? null,
        errorCode: error instanceof AppError ? error.code : error ? 'internal' : undefined,
        truncated: result && (result.truncated.stdout || result.truncated.stderr) ? true : undefined,
      })
    } catch {
      // the activity log must never turn a command's outcome into another one
    }
  }

  // A command's time limit covers getting a connection too: a host that is cut off must not
  // hold a short command for the whole handshake time (a failover asks with 1–3 s).
  const sessionWithin = (t: ResolvedTarget, ms: number) => {
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AppError('ssh_timeout', `${t.label} did not accept a connection within ${ms} ms. Is the host down or cut off?`, { host: t.address, port: t.port, timeoutMs: ms })), ms)
    })
    return Promise.race([pool.session(t), late]).finally(() => clearTimeout(timer))
  }

  const execResolved = async (t: ResolvedTarget, argv: readonly Arg[], opts: ExecOptions = {}): Promise<ExecResult> => {
    const started = new Date()
    try {
      if (typeof opts.sudo === 'string' && !sshUser.safeParse(opts.sudo).success) {
        throw new AppError('invalid_input', `"${opts.sudo}" is not a valid user name for sudo -u.`)
      }
      const session = await sessionWithin(t, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS)
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

    async test(target) {
      const t = await resolve(target)
      const session = await pool.session(t)
      const t0 = performance.now()
      await execResolved(t, ['true'], { timeoutMs: 10_000 })
      const roundTripMs = Math.round((performance.now() - t0) * 10) / 10
      const osr = await execResolved(t, ['cat', '/etc/os-release'], { timeoutMs: 10_000, okExitCodes: [0, 1], maxOutputBytes: 64 * 1024 })
      const pg = await execResolved(t, ['sh', '-c', PG_SCRIPT], { timeoutMs: 10_000, maxOutputBytes: 64 * 1024 })
      const versions = new Set<string>()
      for (const m of pg.stdout.matchAll(/\/usr\/lib\/postgresql\/(\d+(?:\.\d+)?)\/bin\/postgres/g)) versions.add(m[1]!)
      for (const m of pg.stdout.matchAll(/^PostgreSQL (\d+)/gm)) versions.add(m[1]!)
      return {
        host: t.label,
        os: osr.exitCode === 0 ? parseOsRelease(osr.stdout) : null,
        postgresVersions: [...versions].sort((a, b) => Number(a) - Number(b)),
        roundTripMs,
        shell: session.shell?.shell ?? 'unknown',
        hostKey: { fingerprint: session.hostKey.fingerprint, keyType: session.hostKey.keyType },
      }
    },

    async trust(target, fingerprint) {
      if (typeof fingerprint !== 'string' || !/^SHA256:[A-Za-z0-9+/]{43}$/.test(fingerprint)) {
        throw new AppError('invalid_input', 'The fingerprint to trust must look like SHA256:… (43 base64 characters).')
      }
      const t = await resolve(target)
      const decision = await presentedHostKey(t, await pool.socketFor(t), checker, timing)
      const key = decision.key
      if (!key) throw decision.ok ? new AppError('internal', 'no key') : decision.error
      if (key.fingerprint !== fingerprint) {
        throw new AppError('ssh_host_key_changed', `${t.address}:${t.port} now presents ${key.fingerprint}, not the ${fingerprint} you confirmed. Nothing was trusted; check the host and try again.`, { host: t.address, port: t.port, fingerprint: key.fingerprint, keyType: key.keyType, confirmed: fingerprint })
      }
      if (decision.ok) {
        pool.reset(t)
        return { keyType: key.keyType, fingerprint: key.fingerprint, key: key.blob.toString('base64'), addedAt: new Date().toISOString() }
      }
      const e = decision.error
      const fromTrustStoreOnly = e.code === 'ssh_host_key_changed' && (e.detail as { expected?: { source: string }[] }).expected?.every((x) => x.source === 'ReplicaDesk trust store')
      if (e.code !== 'ssh_host_key_unknown' && !fromTrustStoreOnly) {
        // known_hosts is the user's file: we never override what it says.
        throw e
      }
      const stored = await checker.trust(t.address, t.port, key)
      pool.reset(t)
      return stored
    },

    async openStreamLocal(target, socketPath, opts = {}) {
      const path = socketPathSchema.safeParse(socketPath)
      if (!path.success) throw new AppError('invalid_input', `Invalid socket path ${JSON.stringify(String(socketPath)).slice(0, 120)}: ${path.error.issues[0]?.message}`)
      const t = await resolve(target)
      const session = await pool.session(t)
      try {
        const stream = await openChannel(session, path.data, opts.timeoutMs ?? timing.readyTimeoutMs)
        return { stream, user: t.user, host: t.label }
      } catch (err) {
        if (err instanceof AppError || session.closed) throw err
        if (opts.diagnose === false) throw undiagnosedRefusal(session, path.data, (err as Error).message)
        // sshd gives the same "open failed" for a refused forward and an unconnectable socket.
        const check = await execResolved(t, ['sh', '-c', SOCKET_CHECK, 'sh', path.data], { timeoutMs: 5000 })
        throw refusalError(session, path.data, parseSocketCheck(check.stdout), (err as Error).message)
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
      const cfg = await loadConfig()
      return configAliases(cfg).map((alias): ConfigHost => {
        try {
          const s = hostSettings(cfg, alias, ctx)
          const entry: ConfigHost = { alias, address: s.hostName ?? alias, port: s.port ?? 22, user: s.user, identityFiles: s.identityFiles, proxyJump: s.proxyJump }
          try {
            resolveTarget({ address: alias }, cfg, ctx)
          } catch (err) {
            entry.problem = (err as Error).message
          }
          return entry
        } catch (err) {
          return { alias, port: 22, identityFiles: [], problem: (err as Error).message }
        }
      })
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
