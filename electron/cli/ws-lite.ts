// One request to a running instance over its WebSocket, with node builtins only: loading the
// `ws` package costs ~15 ms, a third of Node's own start-up, on the thin status path. Just
// enough of RFC 6455 for that: the upgrade with the Bearer token, one masked text frame out,
// text frames in (events are skipped) until the reply with our id. No extensions.
import { createHash, randomBytes } from 'node:crypto'
import { connect } from 'node:net'

const ACCEPT_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
const REQUEST_ID = 1
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024

export interface OneCall {
  /** ws://host:port/path from the instance file. */
  url: string
  token: string
  method: string
  input: unknown
  /** For the connection and the upgrade. */
  connectTimeoutMs: number
  /** For the reply, once the request is sent. */
  replyTimeoutMs: number
}

/** A masked client frame (opcode 1 text, 0xA pong). */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10
  const frame = Buffer.allocUnsafe(head + 4 + n)
  frame[0] = 0x80 | opcode
  if (n < 126) frame[1] = 0x80 | n
  else if (n < 65536) {
    frame[1] = 0x80 | 126
    frame.writeUInt16BE(n, 2)
  } else {
    frame[1] = 0x80 | 127
    frame.writeBigUInt64BE(BigInt(n), 2)
  }
  const mask = randomBytes(4)
  mask.copy(frame, head)
  for (let i = 0; i < n; i++) frame[head + 4 + i] = payload[i]! ^ mask[i & 3]!
  return frame
}

/** Resolves with the `reply` of the instance's answer frame; rejects on anything else (the caller falls back). */
export function callOnce(o: OneCall): Promise<unknown> {
  const url = new URL(o.url)
  if (url.protocol !== 'ws:') return Promise.reject(new Error(`not a ws:// URL: ${o.url}`))
  const key = randomBytes(16).toString('base64')
  const accept = createHash('sha1').update(key + ACCEPT_GUID).digest('base64')

  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 80) })
    let timer = setTimeout(() => fail('no connection'), o.connectTimeoutMs)
    let buf: Buffer = Buffer.alloc(0)
    let upgraded = false
    let parts: Buffer[] = []
    let partsBytes = 0
    let messageOp = 0
    let done = false

    const finish = () => {
      done = true
      clearTimeout(timer)
      socket.destroy()
    }
    function fail(why: string) {
      if (done) return
      finish()
      reject(new Error(`${o.url}: ${why}`))
    }

    socket.setNoDelay(true)
    socket.on('error', (err) => fail(err.message))
    socket.on('close', () => fail('the connection closed'))
    socket.on('connect', () => {
      const path = `${url.pathname}${url.search}`
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer ${o.token}\r\n\r\n`)
    })
    socket.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk
      if (!upgraded && !readUpgrade()) return
      readFrames()
    })

    /** The 101 answer to the upgrade; false while it is incomplete. */
    function readUpgrade(): boolean {
      const end = buf.indexOf('\r\n\r\n')
      if (end < 0) {
        if (buf.length > 16 * 1024) fail('oversized HTTP answer')
        return false
      }
      const [status = '', ...lines] = buf.subarray(0, end).toString('latin1').split('\r\n')
      buf = buf.subarray(end + 4)
      const header = (name: string) => lines.find((l) => l.toLowerCase().startsWith(`${name}:`))?.slice(name.length + 1).trim()
      const wrong = !/^HTTP\/1\.1 101 /.test(status)
        ? `refused the upgrade (${status})`
        : header('sec-websocket-accept') !== accept
          ? 'wrong Sec-WebSocket-Accept'
          : header('sec-websocket-extensions') !== undefined
            ? 'an extension nobody asked for'
            : undefined
      if (wrong) {
        fail(wrong)
        return false
      }
      upgraded = true
      clearTimeout(timer)
      timer = setTimeout(() => fail(`no reply within ${o.replyTimeoutMs} ms`), o.replyTimeoutMs)
      socket.write(clientFrame(0x1, Buffer.from(JSON.stringify({ id: REQUEST_ID, method: o.method, input: o.input }))))
      return true
    }

    function readFrames(): void {
      while (!done && buf.length >= 2) {
        const fin = (buf[0]! & 0x80) !== 0
        const op = buf[0]! & 0x0f
        if (buf[1]! & 0x80) return fail('a masked frame from the server')
        let len = buf[1]! & 0x7f
        let off = 2
        if (len === 126) {
          if (buf.length < 4) return
          len = buf.readUInt16BE(2)
          off = 4
        } else if (len === 127) {
          if (buf.length < 10) return
          const big = buf.readBigUInt64BE(2)
          if (big > BigInt(MAX_MESSAGE_BYTES)) return fail('an oversized frame')
          len = Number(big)
          off = 10
        }
        if (buf.length < off + len) return
        const payload = buf.subarray(off, off + len)
        buf = buf.subarray(off + len)
        if (op === 0x8) return fail('closed by the instance')
        if (op === 0x9) {
          socket.write(clientFrame(0xa, payload))
          continue
        }
        if (op === 0xa) continue
        if (op !== 0x0) messageOp = op
        parts.push(payload)
        partsBytes += payload.length
        if (partsBytes > MAX_MESSAGE_BYTES) return fail('an oversized message')
        if (!fin) continue
        const message = Buffer.concat(parts, partsBytes)
        parts = []
        partsBytes = 0
        if (messageOp === 0x1) onText(message.toString('utf8'))
      }
    }

    function onText(text: string): void {
      let frame: unknown
      try {
        frame = JSON.parse(text)
      } catch {
        return // not ours to act on, as in the full client
      }
      // events, and answers to other requests, are skipped
      if (typeof frame !== 'object' || frame === null || (frame as { id?: unknown }).id !== REQUEST_ID || !('reply' in frame)) return
      finish()
      resolve(frame.reply)
    }
  })
}
