// The contract over WebSocket: requests in, replies and events out. Used by the browser UI in
// headless mode and by the CLI talking to a running instance.
import { WebSocketServer, type WebSocket } from 'ws'
import { AppError } from '../../shared/errors'
import { wsRequest, type WsServerFrame } from '../../shared/wire'
import type { Core } from '../core/core'

const maxFrameBytes = 1024 * 1024
// A client that cannot keep up (buffered replies/events) is dropped rather than growing memory.
const maxBufferedBytes = 16 * 1024 * 1024
const pingEveryMs = 15_000

export function createWsHub(core: Core): { wss: WebSocketServer; close(): void } {
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes })
  const alive = new WeakSet<WebSocket>()

  const send = (ws: WebSocket, frame: WsServerFrame) => {
    if (ws.readyState !== ws.OPEN) return
    if (ws.bufferedAmount > maxBufferedBytes) {
      ws.close(1013, 'client too slow')
      return
    }
    ws.send(JSON.stringify(frame))
  }

  const unsubscribe = core.events.subscribe((event, payload) => {
    for (const ws of wss.clients) send(ws, { event, payload })
  })

  wss.on('connection', (ws) => {
    alive.add(ws)
    ws.on('pong', () => alive.add(ws))
    ws.on('error', () => ws.terminate())
    ws.on('message', async (data, isBinary) => {
      let request
      try {
        if (isBinary) throw new Error('binary')
        request = wsRequest.parse(JSON.parse(data.toString()))
      } catch {
        const error = new AppError('invalid_input', 'Malformed request frame: expected {id, method, input} as JSON text.')
        send(ws, { id: -1, reply: { ok: false, error: error.toData() } })
        return
      }
      send(ws, { id: request.id, reply: await core.dispatch(request.method, request.input) })
    })
  })

  // Dead peers (sleeping laptop, killed browser) never send close: ping them out.
  const timer = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate()
        continue
      }
      alive.delete(ws)
      ws.ping()
    }
  }, pingEveryMs)
  timer.unref()

  return {
    wss,
    close() {
      clearInterval(timer)
      unsubscribe()
      for (const ws of wss.clients) ws.terminate()
      wss.close()
    },
  }
}
