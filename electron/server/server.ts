// Headless web mode: the renderer build over HTTP and the contract over a WebSocket, on
// loopback by default, for holders of the token only. A browser opens `/?token=T` once and is
// sent to the session path (see auth.ts) with a cookie bound to it; the UI and the socket live
// there. Non-browser clients (the CLI) send the token as a Bearer header to `/ws`.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createTlsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Core } from '../core/core'
import { createAuthFailures } from './auth-failures'
import { bearerToken, cookieName, cookieValue, hostAllowed, isSessionPath, newSessionPath, newToken, originAllowed, pathCookieName, requestToken, tokenMatches, type HostPolicy } from './auth'
import { securityHeaders, serveStatic } from './static-files'
import { createWsHub } from './ws-hub'

export interface ServerOptions {
  core: Core
  host?: string
  port?: number
  /** The renderer build to serve; without it only the WebSocket is offered (desktop's local channel). */
  rendererDir?: string
  token?: string
  /** `/s/<random>/` (see auth.ts); kept across restarts so that an open page gets back in. */
  sessionPath?: string
  /** Serve HTTPS/WSS with this certificate (see tls.ts); plain HTTP without it. */
  tls?: { cert: string; key: string }
  /** Where refusals of repeated wrong tokens are logged (default: stderr). */
  log?: (line: string) => void
}

export interface RunningServer {
  url: string
  wsUrl: string
  token: string
  /** The session path the browser UI lives under (its cookie is bound to it). */
  sessionPath: string
  port: number
  close(): Promise<void>
}

const isLoopback = (host: string) => ['127.0.0.1', 'localhost', '::1'].includes(host)

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1'
  const token = options.token ?? newToken()
  const hub = createWsHub(options.core)
  const policy: HostPolicy = { port: 0, anyHost: !isLoopback(host) }
  const sessionPath = options.sessionPath ?? newSessionPath()
  if (!isSessionPath(sessionPath)) throw new Error(`Not a session path: ${sessionPath}`)
  const failures = createAuthFailures({ log: options.log ?? ((line) => console.error(line)) })
  const scheme = options.tls ? 'https' : 'http'
  const secure = options.tls ? '; Secure' : ''
  const peer = (req: IncomingMessage) => req.socket.remoteAddress ?? '?'
  /**
   * Checks a token and counts wrong ones per address (a missing one is no guess: a browser asks
   * for /favicon.ico without it); a paused address is refused before the check.
   */
  const admitted = (req: IncomingMessage, given: string | undefined | null): 'ok' | 'wrong' | 'paused' => {
    const address = peer(req)
    if (failures.waitMs(address) > 0) return 'paused'
    if (!given) return 'wrong'
    if (tokenMatches(token, given)) {
      failures.succeeded(address)
      return 'ok'
    }
    failures.failed(address)
    return 'wrong'
  }

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
      const verdict = admitted(req, fromQuery)
      if (verdict === 'paused') return refuse(res, 429, 'Too many wrong tokens from this address: wait a minute, then use the URL ReplicaDesk printed at start.')
      if (verdict === 'wrong') return refuse(res, 401, 'Wrong token. Use the URL ReplicaDesk printed at start.')
      // Swap the token for a cookie bound to the session path, and drop it from the address bar
      // and history. The redirect only ever goes to that path of this server.
      securityHeaders(res)
      res.writeHead(303, {
        'Set-Cookie': [`${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=${sessionPath}${secure}`, `${pathCookieName}=${sessionPath}; HttpOnly; SameSite=Strict; Path=/${secure}`],
        Location: sessionPath,
      })
      return res.end()
    }
    const inSession = url.pathname.startsWith(sessionPath)
    // The cookie counts only under the session path (a browser sends it nowhere else); Bearer anywhere.
    const given = bearerToken(req) ?? (inSession ? requestToken(req) : undefined)
    const verdict = admitted(req, given)
    if (verdict === 'paused') return refuse(res, 429, 'Too many wrong tokens from this address: wait a minute.')
    if (verdict === 'wrong') {
      // A new tab at the bare address of a browser that was let in before: to the session path.
      if (!inSession && !given && url.pathname === '/' && cookieValue(req, pathCookieName) === sessionPath) {
        securityHeaders(res)
        return res.writeHead(303, { Location: sessionPath }).end()
      }
      return refuse(res, 401, 'Unauthorized. Open the URL with ?token= that ReplicaDesk printed at start.')
    }
    if (!options.rendererDir) return refuse(res, 404, 'This ReplicaDesk instance serves no UI.')
    securityHeaders(res)
    const file = inSession ? `/${url.pathname.slice(sessionPath.length)}` : url.pathname
    serveStatic(options.rendererDir, file, res).catch(() => res.destroy())
  }

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const deny = (status: string) => socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    socket.on('error', () => socket.destroy())
    const path = new URL(req.url ?? '/', 'http://x').pathname
    if (path !== '/ws' && path !== `${sessionPath}ws`) return deny('404 Not Found')
    if (!hostAllowed(req, policy)) return deny('421 Misdirected Request')
    if (!originAllowed(req, scheme)) return deny('403 Forbidden')
    const verdict = admitted(req, path === '/ws' ? bearerToken(req) : requestToken(req))
    if (verdict === 'paused') return deny('429 Too Many Requests')
    if (verdict === 'wrong') return deny('401 Unauthorized')
    hub.wss.handleUpgrade(req, socket, head, (ws) => hub.wss.emit('connection', ws, req))
  }

  const server: Server = options.tls ? createTlsServer({ cert: options.tls.cert, key: options.tls.key }, onRequest) : createServer(onRequest)
  server.on('upgrade', onUpgrade)
  server.on('clientError', (_err, socket) => socket.destroy())
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 7420, host, () => resolve())
  })
  policy.port = (server.address() as AddressInfo).port
  const shown = host.includes(':') ? `[${host}]` : host
  return {
    url: `${scheme}://${shown}:${policy.port}/`,
    wsUrl: `${options.tls ? 'wss' : 'ws'}://${shown}:${policy.port}/ws`,
    token,
    sessionPath,
    port: policy.port,
    close: async () => {
      hub.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
