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
  async exec(line: string, attach: (channel: ClientChannel) => void): Promise<OpenChannel> {
    for (let attempt = 0; ; attempt++) {
      if (this.ended) throw this.ended
      const release = await this.limiter.acquire()
      if (this.ended) {
        release()
        throw this.ended
      }
      try {
        const channel = await new Promise<ClientChannel>((resolve, reject) => {
          this.client.exec(line, (err, ch) => {
            if (err) return reject(err)
            attach(ch)
            resolve(ch)
          })
        })
        return { channel, release }
      } catch (err) {
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

  end(): void {
    this.client.end()
  }
}
