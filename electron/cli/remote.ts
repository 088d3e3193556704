// The CLI's way to a running instance: the same WebSocket contract the browser uses, with
// the token from the instance file as a Bearer header. Events arrive while calls run (progress).
import WebSocket from 'ws'
import { AppError } from '../../shared/errors'
import { wsServerFrame, type Reply } from '../../shared/wire'
import type { InstanceInfo } from '../server/instance-file'
import type { CliSession } from './session'

export async function connectInstance(instance: InstanceInfo, timeoutMs = 10_000): Promise<CliSession> {
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
  ws.on('close', () => {
    for (const p of pending.values()) p.reject(unreachable('the connection closed'))
    pending.clear()
  })

  return {
    kind: 'instance',
    call: (method, input) =>
      new Promise<Reply>((resolve, reject) => {
        const id = nextId++
        pending.set(id, { resolve, reject })
        ws.send(JSON.stringify({ id, method, input }))
      }),
    onEvent: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    close: async () => {
      ws.terminate()
    },
  }
}
