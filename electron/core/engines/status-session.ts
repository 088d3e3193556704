// What every engine's live-status session (postgres/status/session.ts, mariadb/status/session.ts)
// does the same way, whatever the database driver: the SSH stream-local channel to the server's
// Unix socket opened while the driver loads, the login bounded by what is left of the connect
// time, the first reason the session ended kept and told once, and a goodbye given a grace time.
import type { Duplex } from 'node:stream'
import { AppError } from '../../../shared/errors'
import type { Target } from '../ssh'
import type { StatusSsh } from './engine'

/** A driver module loaded on first use, once (its default export where it is CommonJS). */
export function lazyDriver<M>(load: () => Promise<M>): () => Promise<M> {
  let loaded: Promise<M> | undefined
  return () => (loaded ??= load().then((m) => (m as unknown as { default?: M }).default ?? m))
}

/** The first reason a session ended, kept and told once to every listener (at once to a late one). */
export class SessionEnd {
  private why: unknown
  private done = false
  private readonly listeners: ((why: unknown) => void)[] = []

  get ended(): boolean {
    return this.done
  }

  /** The first reason the session ended (undefined while it lives). */
  get reason(): unknown {
    return this.why
  }

  onEnd(listener: (why: unknown) => void): void {
    if (this.done) listener(this.why)
    else this.listeners.push(listener)
  }

  end(why: unknown): void {
    if (this.done) return
    this.done = true
    this.why = why
    for (const l of this.listeners.splice(0)) {
      try {
        l(why)
      } catch {
        // a listener's bug must not keep the others from hearing
      }
    }
  }
}

export interface SocketChannelOptions {
  target: Target
  socketPath: string
  /** SSH connect + channel + the database's startup and authentication. */
  connectTimeoutMs: number
  /** Ask the SSH layer to find out why a refused stream was refused (an extra command). */
  diagnose?: boolean
}

/**
 * The channel to the server's socket (and the login user sshd opened it as) and the driver
 * module, fetched side by side: a cold process loads the driver while the SSH handshake waits.
 * The channel is closed again when the driver fails to load.
 */
export async function openSocketChannel<D>(ssh: StatusSsh, o: SocketChannelOptions, loadDriver: () => Promise<D>): Promise<{ stream: Duplex; user: string; driver: D }> {
  const opening = ssh.openStreamLocal(o.target, o.socketPath, { timeoutMs: o.connectTimeoutMs, diagnose: o.diagnose })
  const [opened, loaded] = await Promise.allSettled([opening, loadDriver()])
  if (opened.status === 'rejected') throw opened.reason
  const { stream, user } = opened.value
  if (loaded.status === 'rejected') {
    stream.destroy()
    throw loaded.reason
  }
  return { stream, user, driver: loaded.value }
}

/**
 * The login, bounded by what is left until `deadline` (epoch ms): an ssh_timeout naming the
 * server (`product`, e.g. its database's name) and its socket when it takes longer.
 */
export async function loginWithin(login: Promise<unknown>, deadline: number, product: string, o: { socketPath: string; connectTimeoutMs: number }): Promise<void> {
  login.catch(() => {}) // after a time-out nobody awaits it any more
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      login,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new AppError('ssh_timeout', `${product} at ${o.socketPath} did not finish the login within ${o.connectTimeoutMs} ms.`, { socketPath: o.socketPath })), Math.max(1, deadline - Date.now()))
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}

/** Whether `ending` (a driver's goodbye) settles within `graceMs`; false when the server does not answer. */
export async function endsWithin(ending: Promise<unknown>, graceMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const ended = await Promise.race([ending.then(() => true, () => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), graceMs)))])
  clearTimeout(timer)
  return ended
}
