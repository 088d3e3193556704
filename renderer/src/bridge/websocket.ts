// The web transport (headless mode): one WebSocket to the server that served this page,
// authenticated by the HttpOnly cookie the server set. It reconnects by itself with backoff,
// fails the calls in flight when the socket drops (their outcome is unknown), and exposes its
// state so the UI can say what is going on. Every frame from the server is schema-checked.
import type { Transport } from '../../../shared/client'
import type { ErrorData } from '../../../shared/errors'
import { wsServerFrame, type Reply, type WsRequest } from '../../../shared/wire'
import { backoffDelay } from './backoff'
import type { ConnectionProblem, ConnectionSource, ConnectionStatus } from './connection'

/** The part of the browser's WebSocket we use (a fake in unit tests). */
export interface SocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((event: unknown) => void) | null
  onclose: ((event: unknown) => void) | null
  onerror: ((event: unknown) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
}

const CONNECTING = 0
const OPEN = 1

export interface WebSocketTransportOptions {
  url: string
  createSocket?: (url: string) => SocketLike
  /** Delay before reconnect attempt n (1-based). */
  delay?: (attempt: number) => number
  /** After a failed attempt: can the server tell us why? (see probeServer) */
  probe?: () => Promise<ConnectionProblem | null>
  /** Where to report frames that fail their schema (they are dropped). */
  warn?: (message: string, detail?: unknown) => void
}

interface Pending {
  method: string
  frame: string
  sent: boolean
  resolve: (reply: Reply) => void
}

const transportError = (message: string): Reply => ({
  ok: false,
  error: { code: 'transport', message } satisfies ErrorData,
})

export class WebSocketTransport implements Transport, ConnectionSource {
  private readonly createSocket: (url: string) => SocketLike
  private readonly delay: (attempt: number) => number
  private readonly probe: (() => Promise<ConnectionProblem | null>) | undefined
  private readonly warn: (message: string, detail?: unknown) => void
  private socket: SocketLike | null = null
  private opened = false
  private retryTimer: ReturnType<typeof setTimeout> | null = null
  private stopped = false
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private readonly eventListeners = new Set<(name: string, payload: unknown) => void>()
  private readonly statusListeners = new Set<(status: ConnectionStatus) => void>()
  private current: ConnectionStatus = { state: 'connecting', sessions: 0, failures: 0, retryAt: null, problem: null }

  constructor(private readonly options: WebSocketTransportOptions) {
    // The DOM types its handlers with `this: WebSocket` and Event; we only read `data`.
    this.createSocket = options.createSocket ?? ((url) => new WebSocket(url) as unknown as SocketLike)
    this.delay = options.delay ?? backoffDelay
    this.probe = options.probe
    this.warn = options.warn ?? ((message, detail) => console.warn(`ReplicaDesk: ${message}`, detail))
  }

  get status(): ConnectionStatus {
    return this.current
  }

  /** Opens the first connection. Calls made before it opens wait for it. */
  start(): this {
    if (!this.socket && !this.retryTimer && !this.stopped) this.connect()
    return this
  }

  /** Closes for good (page unload, tests). */
  stop(): void {
    this.stopped = true
    this.clearRetry()
    const socket = this.socket
    this.socket = null
    if (socket) {
      socket.onopen = socket.onclose = socket.onerror = socket.onmessage = null
      socket.close(1000, 'client closed')
    }
    this.failPending('The connection to ReplicaDesk was closed.')
  }

  call(method: string, input: unknown): Promise<Reply> {
    const socket = this.socket
    if (!socket || (socket.readyState !== CONNECTING && socket.readyState !== OPEN) || this.stopped) {
      return Promise.resolve(
        transportError(`Not connected to ReplicaDesk, so ${method} was not sent. It reconnects by itself; try again in a moment.`),
      )
    }
    const id = this.nextId++
    let frame: string
    try {
      frame = JSON.stringify({ id, method, input } satisfies WsRequest)
    } catch (err) {
      return Promise.resolve({
        ok: false,
        error: { code: 'invalid_input', message: `The input of ${method} cannot be sent: ${(err as Error).message}` },
      })
    }
    return new Promise<Reply>((resolve) => {
      const entry: Pending = { method, frame, sent: false, resolve }
      this.pending.set(id, entry)
      if (socket.readyState === OPEN && this.opened) this.send(socket, entry)
    })
  }

  onEvent(listener: (name: string, payload: unknown) => void): () => void {
    this.eventListeners.add(listener)
    return () => void this.eventListeners.delete(listener)
  }

  subscribe(listener: (status: ConnectionStatus) => void): () => void {
    this.statusListeners.add(listener)
    return () => void this.statusListeners.delete(listener)
  }

  retryNow(): void {
    if (this.stopped || this.socket || !this.retryTimer) return
    this.clearRetry()
    this.setStatus({ retryAt: null })
    this.connect()
  }

  private connect(): void {
    let socket: SocketLike
    try {
      socket = this.createSocket(this.options.url)
    } catch (err) {
      this.warn('could not open the WebSocket', err)
      this.scheduleRetry()
      return
    }
    this.socket = socket
    this.opened = false
    socket.onopen = () => this.onOpen(socket)
    socket.onmessage = (event) => this.onMessage(event.data)
    socket.onerror = () => {} // a close event always follows; handled there
    socket.onclose = () => this.onClose(socket)
  }

  private onOpen(socket: SocketLike): void {
    if (socket !== this.socket) return
    this.opened = true
    this.setStatus({
      state: 'connected',
      sessions: this.current.sessions + 1,
      failures: 0,
      retryAt: null,
      problem: null,
    })
    for (const entry of this.pending.values()) if (!entry.sent) this.send(socket, entry)
  }

  private onMessage(data: unknown): void {
    if (typeof data !== 'string') return this.warn('dropped a binary frame from the server')
    let json: unknown
    try {
      json = JSON.parse(data)
    } catch {
      return this.warn('dropped a frame that is not JSON', data.slice(0, 200))
    }
    const parsed = wsServerFrame.safeParse(json)
    if (!parsed.success) return this.warn('dropped a frame outside the wire protocol', parsed.error.issues)
    const frame = parsed.data
    if ('id' in frame) {
      const entry = this.pending.get(frame.id)
      if (!entry) return // a reply to a call we already failed, or the server's reply to a malformed frame
      this.pending.delete(frame.id)
      entry.resolve(frame.reply)
      return
    }
    for (const listener of this.eventListeners) {
      try {
        listener(frame.event, frame.payload)
      } catch (err) {
        this.warn(`an event listener for ${frame.event} failed`, err)
      }
    }
  }

  private onClose(socket: SocketLike): void {
    if (socket !== this.socket) return
    this.socket = null
    const wasOpen = this.opened
    this.opened = false
    this.failPending(
      wasOpen
        ? 'Lost the connection to ReplicaDesk before it answered; the change may or may not have been made. The list refreshes once it reconnects.'
        : 'Could not reach ReplicaDesk.',
    )
    if (this.stopped) return
    if (wasOpen) this.setStatus({ state: 'reconnecting', problem: null })
    this.scheduleRetry()
  }

  private scheduleRetry(): void {
    const failures = this.current.failures + 1
    const wait = this.delay(failures)
    const everConnected = this.current.sessions > 0
    this.setStatus({ state: everConnected ? 'reconnecting' : 'connecting', failures, retryAt: Date.now() + wait })
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      this.setStatus({ retryAt: null })
      this.connect()
    }, wait)
    // The first failure after a drop is usually the server restarting: only ask why after that.
    if (this.probe && failures >= 2) {
      this.probe().then(
        (problem) => {
          if (this.current.state !== 'connected' && !this.stopped) this.setStatus({ problem })
        },
        () => {},
      )
    }
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = null
  }

  private send(socket: SocketLike, entry: Pending): void {
    entry.sent = true
    socket.send(entry.frame)
  }

  private failPending(reason: string): void {
    const entries = [...this.pending.values()]
    this.pending.clear()
    for (const entry of entries) {
      entry.resolve(
        transportError(entry.sent ? `${entry.method}: ${reason}` : `${entry.method} was not sent: ${reason}`),
      )
    }
  }

  private setStatus(change: Partial<ConnectionStatus>): void {
    this.current = { ...this.current, ...change }
    for (const listener of this.statusListeners) listener(this.current)
  }
}

/**
 * Asks the server (with the same cookie) whether it would let this page in. A WebSocket
 * upgrade refused with 401 looks like any other failure to the browser; a plain request shows
 * the difference between "server down" and "server restarted with a new token".
 */
export async function probeServer(pageUrl: string): Promise<ConnectionProblem | null> {
  try {
    const response = await fetch(new URL('./', pageUrl), { method: 'HEAD', cache: 'no-store', credentials: 'same-origin' })
    return response.status === 401 ? 'unauthorized' : null
  } catch {
    return 'unreachable'
  }
}

/** ws:// or wss:// URL of the server's socket, next to the page it served. */
export function socketUrlFor(pageUrl: string): string {
  const url = new URL('ws', pageUrl)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  url.search = ''
  url.hash = ''
  return url.toString()
}
