// A bridge for store unit tests: every call waits until the test replies to it, events are
// emitted by hand, and the connection to the core comes up when the test says so.
import { createClient, type Transport } from '../../../../shared/client'
import type { Reply } from '../../../../shared/wire'
import type { ConnectionSource, ConnectionStatus } from '../../bridge'
import { provideBridge } from '../bridge'

export interface PendingCall {
  method: string
  input: unknown
  reply: (r: Reply) => void
}

export function fakeBridge() {
  const calls: PendingCall[] = []
  const eventListeners = new Set<(name: string, payload: unknown) => void>()
  const transport: Transport = {
    call: (method, input) => new Promise<Reply>((reply) => calls.push({ method, input, reply })),
    onEvent: (listener) => {
      eventListeners.add(listener)
      return () => eventListeners.delete(listener)
    },
  }
  let status: ConnectionStatus = { state: 'connecting', sessions: 0, failures: 0, retryAt: null, problem: null }
  const listeners = new Set<(s: ConnectionStatus) => void>()
  const connection: ConnectionSource = {
    get status() {
      return status
    },
    subscribe: (l) => (listeners.add(l), () => listeners.delete(l)),
    retryNow: () => {},
  }
  provideBridge({ client: createClient(transport), connection })
  return {
    calls,
    /** The calls of one method not replied to yet, oldest first. */
    pending: (method: string) => calls.filter((c) => c.method === method),
    /** Replies to the oldest call of this method. */
    answer(method: string, reply: Reply) {
      const i = calls.findIndex((c) => c.method === method)
      if (i < 0) throw new Error(`no pending ${method} call (pending: ${calls.map((c) => c.method).join(', ') || 'none'})`)
      const [call] = calls.splice(i, 1)
      call!.reply(reply)
    },
    emit(name: string, payload: unknown) {
      for (const l of eventListeners) l(name, payload)
    },
    connect() {
      status = { ...status, state: 'connected', sessions: status.sessions + 1 }
      for (const l of listeners) l(status)
    },
  }
}

export type FakeBridge = ReturnType<typeof fakeBridge>

export const settle = () => new Promise((resolve) => setTimeout(resolve, 0))
