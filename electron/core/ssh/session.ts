// One authenticated ssh2 connection: opens exec channels under the channel limit (retrying
// the server's "open failed" refusals) and reports, once, why it ended.
import type { Client, ClientChannel } from 'ssh2'
import { AppError } from '../../../shared/errors'
import { ChannelLimiter } from './channel-limiter'
import type { PresentedKey } from './host-keys'
import type { ResolvedTarget } from './target'

export interface ShellInfo {
  /** $SHELL of the login user, e.g. /bin/bash. */
  shell: string
  /** Path of `timeout` on the host, if any. */
  timeoutPath?: string
}

export interface OpenChannel {
  channel: ClientChannel
  release: () => void
}

const OPEN_RETRIES = 50
/** How long the server may take to confirm a channel open (it takes milliseconds). */
export const DEFAULT_OPEN_TIMEOUT_MS = 15_000
const OPEN_RETRY_DELAY_MS = 20

function isRefusal(err: Error & { reason?: unknown }): boolean {
  // 1 = administratively prohibited (OpenSSH's answer past MaxSessions), 4 = resource shortage.
  return err.reason === 1 || err.reason === 4 || /open failed/i.test(err.message)
}

export class Session {
  readonly limiter: ChannelLimiter
  shell: ShellInfo | undefined
  private ended: AppError | undefined
  private readonly endListeners: ((why: AppError) => void)[] = []

  constructor(
    readonly client: Client,
    readonly target: ResolvedTarget,
    readonly hostKey: PresentedKey,
    channelLimit: number,
  ) {
    this.limiter = new ChannelLimiter(channelLimit)
  }

  get closed(): AppError | undefined {
    return this.ended
  }

  /** Called once by the connection's error/close handlers. */
  markEnded(why: AppError): void {
    if (this.ended) return
    this.ended = why
    for (const l of this.endListeners.splice(0)) l(why)
  }

  onEnd(listener: (why: AppError) => void): void {
    if (this.ended) listener(this.ended)
    else this.endListeners.push(listener)
  }

  /**
   * Opens an exec channel for a fully quoted command line, waiting for a free slot.
   * `attach` runs synchronously in ssh2's callback: exit status and close may arrive in the
   * same packet batch as the open confirmation, and a listener added a tick later misses them.
   */
  async exec(line: string, attach: (channel: ClientChannel) => void, openTimeoutMs = DEFAULT_OPEN_TIMEOUT_MS): Promise<OpenChannel> {
    for (let attempt = 0; ; attempt++) {
      if (this.ended) throw this.ended
      const release = await this.limiter.acquire()
      if (this.ended) {
        release()
        throw this.ended
      }
      try {
        const channel = await this.openExec(line, attach, openTimeoutMs, release)
        return { channel, release }
      } catch (err) {
        if (err instanceof AppError) throw err // late open: the slot is given back when it arrives
        const e = err as Error & { reason?: unknown }
        // Refused while others are open: the server allows fewer than we asked for. Lower the
        // limit BEFORE giving the slot back, so it is not handed to the next waiter, then
        // wait for a running command to end and try again.
        const open = this.limiter.open
        const retry = !this.ended && isRefusal(e) && open > 1 && attempt < OPEN_RETRIES
        if (retry) this.limiter.shrinkTo(open - 1)
        release()
        if (this.ended) throw this.ended
        if (retry) {
          await new Promise((r) => setTimeout(r, OPEN_RETRY_DELAY_MS * Math.min(attempt + 1, 10)))
          continue
        }
        throw new AppError('ssh_connect', `${this.target.label} refused to open a command channel (${e.message}). Check MaxSessions and that the account may run commands.`, { host: this.target.address, port: this.target.port, user: this.target.user })
      }
    }
  }

  // The server answers an open in milliseconds while the connection lives (keepalive watches
  // that): past the limit the open is given up, and a late channel is closed on arrival.
  private openExec(line: string, attach: (channel: ClientChannel) => void, timeoutMs: number, release: () => void): Promise<ClientChannel> {
    return new Promise<ClientChannel>((resolve, reject) => {
      let late = false
      const timer = setTimeout(() => {
        late = true
        reject(new AppError('ssh_timeout', `${this.target.label} did not open a command channel within ${timeoutMs} ms although the connection answers. The server may be overloaded; try again, or check its sshd log.`, { host: this.target.address, port: this.target.port, user: this.target.user, timeoutMs }))
      }, timeoutMs)
      try {
        this.client.exec(line, (err, ch) => {
          clearTimeout(timer)
          if (late) {
            if (!err) ch.close()
            release()
            return
          }
          if (err) return reject(err)
          attach(ch)
          resolve(ch)
        })
      } catch (err) {
        clearTimeout(timer)
        reject(err as Error)
      }
    })
  }

  /**
   * Gives up on the connection: a server that does not answer a channel close holds that
   * channel for ever. Everything still running on it fails with `why`; the pool connects
   * again on next use.
   */
  drop(why: AppError): void {
    this.markEnded(why)
    this.client.destroy()
  }

  end(): void {
    this.client.end()
  }
}
