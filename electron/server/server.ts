// Headless web mode: the renderer build over HTTP and the contract over a WebSocket, on
// loopback by default, for holders of the token only.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Core } from '../core/core'
import { cookieName, hostAllowed, newToken, originAllowed, requestToken, tokenMatches, type HostPolicy } from './auth'
import { securityHeaders, serveStatic } from './static-files'
import { createWsHub } from './ws-hub'

export interface ServerOptions {
  core: Core
  host?: string
  port?: number
  /** The renderer build to serve; without it only the WebSocket is offered (desktop's local channel). */
  rendererDir?: string
  token?: string
}

export interface RunningServer {
  url: string
  wsUrl: string
  token: string
  port: number
  close(): Promise<void>
}

const isLoopback = (host: string) => ['127.0.0.1', 'localhost', '::1'].includes(host)

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1'
  const token = options.token ?? newToken()
  const hub = createWsHub(options.core)
  const policy: HostPolicy = { port: 0, anyHost: !isLoopback(host) }

  const refuse = (res: ServerResponse, status: number, text: string) => {
    securityHeaders(res)
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(text)
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    if (!hostAllowed(req, policy)) return refuse(res, 421, 'Unknown Host header')
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Method not allowed')
    const url = new URL(req.url ?? '/', 'http://x')
    const fromQuery = url.searchParams.get('token')
    if (fromQuery !== null) {
      if (!tokenMatches(token, fromQuery)) return refuse(res, 401, 'Wrong token. Use the URL ReplicaDesk printed at start.')
      // Swap the token for a cookie and drop it from the address bar and history.
      securityHeaders(res)
      res.writeHead(303, {
        'Set-Cookie': `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        Location: url.pathname,
      })
      return res.end()
    }
    if (!tokenMatches(token, requestToken(req))) {
      return refuse(res, 401, 'Unauthorized. Open the URL with ?token= that ReplicaDesk printed at start.')
    }
    if (!options.rendererDir) return refuse(res, 404, 'This ReplicaDesk instance serves no UI.')
    securityHeaders(res)
    serveStatic(options.rendererDir, url.pathname, res).catch(() => res.destroy())
  }

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const deny = (status: string) => socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    socket.on('error', () => socket.destroy())
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/ws') return deny('404 Not Found')
    if (!hostAllowed(req, policy)) return deny('421 Misdirected Request')
    if (!originAllowed(req)) return deny('403 Forbidden')
    if (!tokenMatches(token, requestToken(req))) return deny('401 Unauthorized')
    hub.wss.handleUpgrade(req, socket, head, (ws) => hub.wss.emit('connection', ws, req))
  }

  const server: Server = createServer(onRequest)
  server.on('upgrade', onUpgrade)
  server.on('clientError', (_err, socket) => socket.destroy())
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 7420, host, () => resolve())
  })
  policy.port = (server.address() as AddressInfo).port
  const shown = host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${shown}:${policy.port}/`,
    wsUrl: `ws://${shown}:${policy.port}/ws`,
    token,
    port: policy.port,
    close: async () => {
      hub.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
