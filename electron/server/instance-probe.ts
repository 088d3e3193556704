// Is a ReplicaDesk instance really there? One WebSocket upgrade to the instance file's URL with
// its token, bounded: only a 101 with the right Sec-WebSocket-Accept counts (a WebSocket server
// that took our token). Anything else — refused, 401, an unrelated server on a reused port, no
// answer in time — means nothing of ours listens there. The socket is closed at once.
import { createHash, randomBytes } from 'node:crypto'
import { request } from 'node:http'

/** A loopback instance answers in a few ms; this leaves room for a busy one. */
export const PROBE_TIMEOUT_MS = 1000

const ACCEPT_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'

export type ProbeAnswer = { ok: true } | { ok: false; why: string }

export function probeInstance(wsUrl: string, token: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<ProbeAnswer> {
  let url: URL
  try {
    url = new URL(wsUrl)
  } catch {
    return Promise.resolve({ ok: false, why: 'is not a URL' })
  }
  if (url.protocol !== 'ws:') return Promise.resolve({ ok: false, why: 'is not a ws:// URL' })
  const key = randomBytes(16).toString('base64')
  const accept = createHash('sha1').update(key + ACCEPT_GUID).digest('base64')
  return new Promise((resolve) => {
    let settled = false
    const finish = (answer: ProbeAnswer) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      req.destroy()
      resolve(answer)
    }
    const req = request({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || 80),
      path: `${url.pathname}${url.search}`,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Key': key, 'Sec-WebSocket-Version': '13', Authorization: `Bearer ${token}` },
    })
    const timer = setTimeout(() => finish({ ok: false, why: `did not answer within ${timeoutMs} ms` }), timeoutMs)
    req.on('upgrade', (res, socket) => {
      socket.destroy()
      finish(res.headers['sec-websocket-accept'] === accept ? { ok: true } : { ok: false, why: 'answered, but not as a WebSocket server' })
    })
    req.on('response', (res) => {
      res.resume()
      finish({ ok: false, why: `refused the token (HTTP ${res.statusCode})` })
    })
    req.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, why: `does not answer (${err.code ?? err.message})` }))
    req.end()
  })
}
