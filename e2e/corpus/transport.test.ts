// The bad-input corpus at the two transports: malformed WebSocket frames to the headless server
// and malformed IPC calls to the desktop wiring. Each gets error data with a specific code, the
// connection keeps working afterwards, and nothing crashes.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { ipcChannel } from '../../shared/contract'
import type { Reply } from '../../shared/wire'
import { createCore, type Core } from '../../electron/core/core'
import { registerContract, trustedSender, type IpcMainLike, type SenderFrame } from '../../electron/main/ipc'
import { appOrigin } from '../../electron/main/security'
import { startServer, type RunningServer } from '../../electron/server/server'

let core: Core
let server: RunningServer
let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rd-corpus-ws-'))
  core = await createCore({ dataDir: join(dir, 'data') })
  server = await startServer({ core, port: 0, log: () => {} })
})
afterAll(async () => {
  await server.close()
  await core.close()
  await rm(dir, { recursive: true, force: true })
})

function open(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(server.wsUrl, { headers: { Authorization: `Bearer ${server.token}` } })
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
}

/** Sends one raw frame, then a good call; resolves the reply to the raw frame (or the close) and the good one. */
async function exchange(raw: string | Buffer, binary = false): Promise<{ first: unknown; good: unknown; closed: number | null }> {
  const ws = await open()
  const frames: unknown[] = []
  let closed: number | null = null
  const done = new Promise<void>((resolve) => {
    ws.on('message', (d) => {
      const f = JSON.parse(d.toString()) as { id?: number }
      if ('id' in f) frames.push(f)
      if (f.id === 424242) resolve()
    })
    ws.on('close', (code) => ((closed = code), resolve()))
  })
  ws.send(raw, { binary })
  ws.send(JSON.stringify({ id: 424242, method: 'host.list', input: {} }))
  await done
  ws.close()
  return { first: frames.find((f) => (f as { id: number }).id !== 424242), good: frames.find((f) => (f as { id: number }).id === 424242), closed }
}

const malformedFrames: Array<[string, string | Buffer, boolean?]> = [
  ['not JSON', 'not json'],
  ['JSON null', 'null'],
  ['a JSON array', '[1,2,3]'],
  ['a number', '42'],
  ['no id', JSON.stringify({ method: 'host.list', input: {} })],
  ['id is a string', JSON.stringify({ id: 'x', method: 'host.list', input: {} })],
  ['method is not a string', JSON.stringify({ id: 1, method: { $ne: 1 }, input: {} })],
  ['a binary frame', Buffer.from([0, 1, 2, 255]), true],
  ['truncated JSON', '{"id": 1, "method": "host.li'],
  ['deeply nested input', JSON.stringify({ id: 1, method: 'host.add', input: JSON.parse('['.repeat(500) + ']'.repeat(500)) })],
]

describe('malformed WebSocket frames', () => {
  it.each(malformedFrames)('%s: invalid_input, and the socket still answers', async (_label, raw, binary) => {
    const { first, good } = await exchange(raw, binary)
    expect(first).toMatchObject({ reply: { ok: false, error: { code: 'invalid_input' } } })
    expect(good).toEqual({ id: 424242, reply: { ok: true, value: [] } })
  })

  it.each([
    ['an unknown method', { id: 1, method: 'host.format', input: {} }, 'unknown_method'],
    ['a prototype key as method', { id: 1, method: '__proto__.constructor', input: {} }, 'unknown_method'],
    ['an extra input field', { id: 1, method: 'host.remove', input: { name: 'x', force: true } }, 'invalid_input'],
    ['a __proto__ input', { id: 1, method: 'host.add', input: JSON.parse('{"__proto__": {"admin": true}, "name": "x"}') }, 'invalid_input'],
    ['an array as input', { id: 1, method: 'host.list', input: [] }, 'invalid_input'],
    ['a number where a string goes', { id: 1, method: 'host.remove', input: { name: 42 } }, 'invalid_input'],
  ])('%s: %s', async (_label, frame, code) => {
    const { first, good } = await exchange(JSON.stringify(frame))
    expect(first).toMatchObject({ id: 1, reply: { ok: false, error: { code } } })
    expect(good).toMatchObject({ id: 424242, reply: { ok: true } })
  })

  it('a frame over 1 MB closes that socket (1009) and leaves the server serving others', async () => {
    const { closed } = await exchange(JSON.stringify({ id: 1, method: 'host.add', input: { name: 'x'.repeat(2 * 1024 * 1024) } }))
    expect(closed).toBe(1009)
    const { good } = await exchange(JSON.stringify({ id: 2, method: 'host.list', input: {} }))
    expect(good).toMatchObject({ reply: { ok: true } })
  })
})

describe('malformed IPC calls', () => {
  const handlers = new Map<string, (event: { senderFrame: SenderFrame | null }, input: unknown) => Promise<Reply>>()
  const ipcMain: IpcMainLike = { handle: (c, h) => void handlers.set(c, h), removeHandler: (c) => void handlers.delete(c) }
  const own: SenderFrame = { url: `${appOrigin}/index.html`, top: null }
  own.top = own

  it.each([
    ['undefined', 'host.remove', undefined],
    ['null', 'host.remove', null],
    ['a string', 'host.remove', 'host1'],
    ['an array', 'host.remove', ['host1']],
    ['a function-like object', 'host.remove', { name: { toString: 'x' } }],
    ['a 10 kB name', 'host.remove', { name: 'a'.repeat(10_240) }],
    ['a newline in a name', 'host.add', { name: 'a\nb', address: 'x.lan', user: 'pi' }],
    ['a NUL in an address', 'host.add', { name: 'a', address: 'x\u0000.lan', user: 'pi' }],
  ])('%s: invalid_input', async (_label, method, input) => {
    registerContract(ipcMain, core.dispatch, trustedSender([appOrigin]))
    const reply = await handlers.get(ipcChannel(method as 'host.remove'))!({ senderFrame: own }, input)
    expect(reply).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
  })

  it('a call from a frame that is not our window: unauthorized, whatever the input', async () => {
    registerContract(ipcMain, core.dispatch, trustedSender([appOrigin]))
    const foreign: SenderFrame = { url: 'https://evil.example/', top: null }
    foreign.top = foreign
    expect(await handlers.get(ipcChannel('host.list'))!({ senderFrame: foreign }, {})).toMatchObject({ ok: false, error: { code: 'unauthorized' } })
  })
})
