// Connection state as the UI sees it, whatever carries the calls underneath.

export type ConnectionState =
  /** Never connected yet: the first attempt(s). */
  | 'connecting'
  /** Calls and events flow. */
  | 'connected'
  /** Was connected, lost it, and is retrying by itself. */
  | 'reconnecting'

/** Why the last attempt failed, when the transport could tell. */
export type ConnectionProblem =
  /** The server did not answer (stopped, restarting, network down). */
  | 'unreachable'
  /** The server answered but refused our session (it was restarted with a new token). */
  | 'unauthorized'

export interface ConnectionStatus {
  state: ConnectionState
  /** How many times a connection was established; stores reload their data when it grows. */
  sessions: number
  /** Failed attempts since the last successful connection. */
  failures: number
  /** When the next attempt starts (ms since the epoch), while waiting for it; else null. */
  retryAt: number | null
  problem: ConnectionProblem | null
}

export interface ConnectionSource {
  readonly status: ConnectionStatus
  /** Called on every change of status; returns the unsubscribe function. */
  subscribe(listener: (status: ConnectionStatus) => void): () => void
  /** Skip the rest of the backoff wait and try now. */
  retryNow(): void
}

/** A connection that is always up: the Electron preload (IPC cannot drop while the window lives). */
export function alwaysConnected(): ConnectionSource {
  const status: ConnectionStatus = { state: 'connected', sessions: 1, failures: 0, retryAt: null, problem: null }
  return { status, subscribe: () => () => {}, retryNow: () => {} }
}
