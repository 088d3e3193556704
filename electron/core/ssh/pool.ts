// The connection pool: one connection per (user, host, port, jump chain), connected on first
// use, kept warm, reconnected with backoff after a loss. Jump hosts are reference-counted by
// the connections that go through them and closed when the last one is dropped.
import { AppError, toErrorData, type ErrorData } from '../../../shared/errors'
import type { Duplex } from 'node:stream'
import { TargetAuth, type AuthSettings, type UnlockedKeys } from './auth'
import { openSession, type Timing } from './connect'
import type { HostKeyChecker } from './host-keys'
import type { Session } from './session'
import { checkLoginShell } from './shell'
import type { ResolvedTarget } from './target'

export type HostStateName =
  | 'idle' // no connection (never used, or dropped on purpose)
  | 'connecting'
  | 'connected'
  | 'unreachable' // network, sshd down, timeouts; retried with backoff once it had connected
  | 'auth_failed'
  | 'host_key_unknown'
  | 'host_key_changed' // also a @revoked key
  | 'shell_unsupported'

export interface HostState {
  key: string
  label: string
  address: string
  port: number
  user: string
  via?: string
  state: HostStateName
  reason?: string
  error?: ErrorData
  since: string
}

export interface Backoff {
  initialMs: number
  maxMs: number
}

export interface PoolOptions {
  checker: HostKeyChecker
  auth: AuthSettings
  timing: Timing
  backoff: Backoff
  onState: (state: HostState) => void
}

class Entry {
  session: Session | undefined
  connecting: Promise<Session> | undefined
  direct = false
  dependents = 0
  holdsJump = false
  everConnected = false
  closed = false
  timer: NodeJS.Timeout | undefined
  backoffMs: number
  state: HostState
  constructor(readonly target: ResolvedTarget, readonly auth: TargetAuth, backoff: Backoff) {
    this.backoffMs = backoff.initialMs
    this.state = { key: target.key, label: target.label, address: target.address, port: target.port, user: target.user, via: target.jump?.label, state: 'idle', since: new Date().toISOString() }
  }
}

function stateFor(code: string): HostStateName {
  switch (code) {
    case 'ssh_auth': return 'auth_failed'
    case 'ssh_host_key_unknown': return 'host_key_unknown'
    case 'ssh_host_key_changed':
    case 'ssh_host_key_revoked': return 'host_key_changed'
    case 'ssh_shell_unsupported': return 'shell_unsupported'
    default: return 'unreachable'
  }
}

function asAppError(e: unknown): AppError {
  if (e instanceof AppError) return e
  const d = toErrorData(e)
  return new AppError(d.code, d.message, d.detail)
}

/**
 * A direct-tcpip channel through `via` to the target's sshd (ProxyJump). Bounded: a jump host
 * whose own connect to an unreachable address hangs answers only when its kernel gives up
 * (about two minutes); a late channel is closed on arrival.
 */
export function forwardTo(via: Session, target: ResolvedTarget, timeoutMs: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const where = { host: target.address, port: target.port, via: via.target.label }
    let late = false
    const timer = setTimeout(() => {
      late = true
      reject(new AppError('ssh_timeout', `Jump host ${via.target.label} did not reach ${target.address}:${target.port} within ${timeoutMs} ms. Check that the host is up and that ${via.target.address} can reach it.`, where))
    }, timeoutMs)
    try {
      via.client.forwardOut('127.0.0.1', 0, target.address, target.port, (err, stream) => {
        clearTimeout(timer)
        if (late) {
          if (!err) stream.destroy()
          return
        }
        if (err) {
          reject(new AppError('ssh_connect', `Jump host ${via.target.label} could not reach ${target.address}:${target.port} (${err.message}). Check that it allows TCP forwarding (AllowTcpForwarding) and can reach that address.`, where))
        } else resolve(stream)
      })
    } catch (err) {
      clearTimeout(timer)
      reject(via.closed ?? new AppError('ssh_connect', `The connection to jump host ${via.target.label} is gone: ${(err as Error).message}`, where))
    }
  })
}

export class Pool {
  private readonly entries = new Map<string, Entry>()
  private closing = false
  private readonly unlocked: UnlockedKeys = new Map()

  constructor(private readonly o: PoolOptions) {}

  state(target: ResolvedTarget): HostState {
    return { ...(this.entries.get(target.key)?.state ?? new Entry(target, new TargetAuth(target, this.o.auth, this.unlocked), this.o.backoff).state) }
  }

  states(): HostState[] {
    return [...this.entries.values()].map((e) => ({ ...e.state }))
  }

  /** A ready session for direct use (commands). Connects or waits for the connection. */
  async session(target: ResolvedTarget): Promise<Session> {
    if (this.closing) throw new AppError('ssh_connect', 'The SSH service is shutting down.')
    const entry = this.entry(target)
    entry.direct = true
    return this.ensure(entry)
  }

  /** A channel to the target's sshd through its jump chain (used by the trust flow). */
  async socketFor(target: ResolvedTarget): Promise<Duplex | undefined> {
    if (!target.jump) return undefined
    const jump = this.entry(target.jump)
    jump.direct = true
    return forwardTo(await this.ensure(jump), target, this.o.timing.readyTimeoutMs)
  }

  /** Forget the last failure so the next use connects again (e.g. after the user trusted a key). */
  reset(target: ResolvedTarget): void {
    const e = this.entries.get(target.key)
    if (e && !e.session && !e.connecting && e.state.state !== 'idle') this.setState(e, 'idle')
  }

  private entry(target: ResolvedTarget): Entry {
    let e = this.entries.get(target.key)
    if (!e) {
      e = new Entry(target, new TargetAuth(target, this.o.auth, this.unlocked), this.o.backoff)
      this.entries.set(target.key, e)
    }
    return e
  }

  private ensure(e: Entry): Promise<Session> {
    if (e.session && !e.session.closed) return Promise.resolve(e.session)
    if (!e.connecting) {
      clearTimeout(e.timer)
      e.timer = undefined
      e.connecting = this.connect(e).finally(() => {
        e.connecting = undefined
      })
    }
    return e.connecting
  }

  private setState(e: Entry, state: HostStateName, error?: AppError): void {
    e.state = { ...e.state, state, reason: error?.message, error: error?.toData(), since: new Date().toISOString() }
    if (!error) {
      delete e.state.reason
      delete e.state.error
    }
    try {
      this.o.onState({ ...e.state })
    } catch {
      // a listener's bug must not break the pool
    }
  }

  private async connect(e: Entry): Promise<Session> {
    const t = e.target
    this.setState(e, 'connecting')
    try {
      const sock = async (): Promise<Duplex | undefined> => {
        if (!t.jump) return undefined
        const jump = this.entry(t.jump)
        if (!e.holdsJump) {
          jump.dependents++
          e.holdsJump = true
        }
        try {
          return await forwardTo(await this.ensure(jump), t, this.o.timing.readyTimeoutMs)
        } catch (err) {
          const a = asAppError(err)
          // Keep the code: a jump host whose key is unknown must ask for *its* fingerprint.
          throw new AppError(a.code, `Cannot reach ${t.label} through jump host ${t.jump.label}: ${a.message}`, a.detail)
        }
      }
      const session = await this.authenticate(e, sock)
      try {
        session.shell = await checkLoginShell(session, this.o.timing.readyTimeoutMs)
      } catch (err) {
        session.end()
        throw err
      }
      if (e.closed || this.closing) {
        session.end()
        throw new AppError('ssh_connect', `The connection to ${t.label} was dropped while it opened.`)
      }
      e.session = session
      // Also when the session itself gives up on the connection (exec.ts drops one whose
      // server holds a channel open), not only when ssh2 reports the loss.
      session.onEnd((why) => this.lost(e, session, why))
      e.everConnected = true
      e.backoffMs = this.o.backoff.initialMs
      this.setState(e, 'connected')
      return session
    } catch (err) {
      const a = asAppError(err)
      if (!e.closed) {
        this.setState(e, stateFor(a.code), a)
        if (stateFor(a.code) === 'unreachable') this.scheduleReconnect(e)
      }
      throw a
    }
  }

  // Passphrases and passwords are asked before a handshake, never during one (the handshake
  // has a time limit): first try what needs no question, then ask and try what that added.
  private async authenticate(e: Entry, sock: () => Promise<Duplex | undefined>): Promise<Session> {
    const open = async (plan: Awaited<ReturnType<TargetAuth['plan']>>) =>
      openSession({ target: e.target, sock: await sock(), plan, checker: this.o.checker, timing: this.o.timing, onLost: (s, why) => this.lost(e, s, why) })
    let plan = await e.auth.plan(false)
    if (plan.methods.length === 0 && plan.canAsk) plan = await e.auth.plan(true)
    try {
      return await open(plan)
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'ssh_auth') throw err
      e.auth.forgetPassword()
      if (!plan.canAsk) throw err
      const more = await e.auth.plan(true)
      const seen = new Set(plan.methods.map((m) => m.label))
      const fresh = more.methods.filter((m) => !seen.has(m.label))
      if (fresh.length === 0) {
        const tried = (err.detail as { tried?: string[] } | undefined)?.tried ?? []
        throw new AppError('ssh_auth', err.message.replace(/Tried: .*?\. Check/, `Tried: ${[...tried, ...more.notes.filter((n) => !tried.includes(n))].join('; ')}. Check`), { ...(err.detail as object), tried: [...tried, ...more.notes] })
      }
      try {
        return await open({ methods: fresh, notes: [...[...seen].map((l) => `${l} (refused)`), ...more.notes], canAsk: false })
      } catch (err2) {
        if (err2 instanceof AppError && err2.code === 'ssh_auth') e.auth.forgetPassword()
        throw err2
      }
    }
  }

  private lost(e: Entry, session: Session, why: AppError): void {
    if (e.session !== session) return
    e.session = undefined
    if (e.closed || this.closing) return
    this.setState(e, 'unreachable', why)
    this.scheduleReconnect(e)
  }

  private scheduleReconnect(e: Entry): void {
    if (!e.everConnected || e.timer || e.closed || this.closing) return
    const delay = e.backoffMs
    e.backoffMs = Math.min(e.backoffMs * 2, this.o.backoff.maxMs)
    e.timer = setTimeout(() => {
      e.timer = undefined
      if (!e.closed && !this.closing) this.ensure(e).catch(() => {})
    }, delay)
    e.timer.unref()
  }

  /** Drops a connection; its jump host goes too once nothing else uses it. */
  disconnect(target: ResolvedTarget): void {
    const e = this.entries.get(target.key)
    if (e) this.drop(e)
  }

  private drop(e: Entry): void {
    e.closed = true
    clearTimeout(e.timer)
    e.timer = undefined
    this.entries.delete(e.target.key)
    e.session?.end()
    e.session = undefined
    this.setState(e, 'idle')
    if (e.holdsJump && e.target.jump) {
      const jump = this.entries.get(e.target.jump.key)
      if (jump) {
        jump.dependents--
        if (jump.dependents <= 0 && !jump.direct) this.drop(jump)
      }
    }
  }

  /** Whether the pool holds a connection entry for the target (for tests and diagnostics). */
  has(target: ResolvedTarget): boolean {
    return this.entries.has(target.key)
  }

  async close(): Promise<void> {
    this.closing = true
    const sessions: Session[] = []
    for (const e of this.entries.values()) {
      e.closed = true
      clearTimeout(e.timer)
      if (e.session) sessions.push(e.session)
    }
    this.entries.clear()
    await Promise.all(sessions.map((s) => new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 1000)
      s.client.once('close', () => {
        clearTimeout(t)
        resolve()
      })
      s.end()
    })))
  }
}
