// The CLI's way to a running instance: the same WebSocket contract the browser uses, with
// the token from the instance file as a Bearer header. Events arrive while calls run (progress).
// Bounded: the connection within 10 s, then pings; a silent instance fails every wait.
import WebSocket from 'ws'
import { AppError } from '../../shared/errors'
import { wsServerFrame, type Reply } from '../../shared/wire'
import type { InstanceInfo } from '../server/instance-file'
import { TRANSPORT_CLOSED, type CliSession } from './session'

const HEARTBEAT_MS = 5000
const HEARTBEAT_DEAD_MS = 15_000

export interface Heartbeat {
  /** Ping period. */
  intervalMs: number
  /** Without a pong for this long, the instance counts as gone. */
  deadMs: number
}

export async function connectInstance(instance: InstanceInfo, timeoutMs = 10_000, beat: Heartbeat = { intervalMs: HEARTBEAT_MS, deadMs: HEARTBEAT_DEAD_MS }): Promise<CliSession> {
  const ws = new WebSocket(instance.wsUrl, { headers: { Authorization: `Bearer ${instance.token}` } })
  const unreachable = (why: string) =>
    new AppError('transport', `The running ReplicaDesk (${instance.kind}, pid ${instance.pid}) at ${instance.wsUrl} did not answer: ${why}. Stop it or try again.`)
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(unreachable(`no connection within ${timeoutMs / 1000} s`)), timeoutMs)
    ws.once('open', () => (clearTimeout(timer), resolve()))
    ws.once('error', (err) => (clearTimeout(timer), reject(unreachable(err.message))))
  })

  const pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>()
  const listeners = new Set<(name: string, payload: unknown) => void>()
  let nextId = 1
  ws.on('message', (data) => {
    let frame
    try {
      frame = wsServerFrame.parse(JSON.parse(data.toString()))
    } catch {
      return // a frame we do not understand is not ours to act on
    }
    if ('id' in frame) {
      pending.get(frame.id)?.resolve(frame.reply)
      pending.delete(frame.id)
    } else {
      for (const l of listeners) l(frame.event, frame.payload)
    }
  })
  ws.on('error', () => undefined) // 'close' follows and fails what is pending
  // A call may rightly take minutes (an operation), so it has no time limit of its own; an
  // instance that stops answering pings (hung, stopped, its machine asleep) ends the wait.
  let lastPong = Date.now()
  let closeWhy = 'the connection closed'
  ws.on('pong', () => (lastPong = Date.now()))
  const heartbeat = setInterval(() => {
    if (Date.now() - lastPong > beat.deadMs) {
      closeWhy = `no answer to pings for ${beat.deadMs / 1000} s (is it hung or stopped?)`
      ws.terminate()
      return
    }
    ws.ping()
  }, beat.intervalMs)
  heartbeat.unref()
  ws.on('close', () => {
    clearInterval(heartbeat)
    const why = unreachable(closeWhy)
    for (const p of pending.values()) p.reject(why)
    pending.clear()
    // Waits for events (an operation's end) cannot end otherwise: tell them.
    for (const l of listeners) l(TRANSPORT_CLOSED, why.toData())
  })

  return {
    kind: 'instance',
    call: (method, input) =>
      new Promise<Reply>((resolve, reject) => {
        if (ws.readyState !== WebSocket.OPEN) return reject(unreachable(closeWhy))
        const id = nextId++
        pending.set(id, { resolve, reject })
        ws.send(JSON.stringify({ id, method, input }))
      }),
    onEvent: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    close: async () => {
      clearInterval(heartbeat)
      ws.terminate()
    },
  }
}
