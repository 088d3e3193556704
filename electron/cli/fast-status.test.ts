// The thin status path's pieces: which command lines it takes (all others go to the full CLI),
// and its WebSocket client against the `ws` server the instance runs (token, events before the
// reply, pings, fragmented and large messages, refusals). End to end: cli-fast-status.lab.test.ts.
import type { IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocketServer, type WebSocket } from 'ws'
import { fastStatusArgs } from './fast-status'
import { callOnce } from './ws-lite'

describe('fastStatusArgs', () => {
  it('takes status CLUSTER with --json and --data-dir, as main.ts reads them', () => {
    expect(fastStatusArgs(['status', 'home'])).toEqual({ cluster: 'home', json: false, dataDir: undefined })
    expect(fastStatusArgs(['status', 'home', '--json'])).toEqual({ cluster: 'home', json: true, dataDir: undefined })
    expect(fastStatusArgs(['--json', 'status', '--data-dir', '/d', 'home'])).toEqual({ cluster: 'home', json: true, dataDir: '/d' })
    expect(fastStatusArgs(['status', 'home', '--data-dir=/d'])).toEqual({ cluster: 'home', json: false, dataDir: '/d' })
  })

  it('leaves every other command line to the full CLI', () => {
    for (const argv of [
      [],
      ['status'],
      ['status', 'home', '--watch'],
      ['status', '--cluster', 'home'],
      ['status', 'home', 'extra'],
      ['status', 'home', '--help'],
      ['status', '-h'],
      ['status', 'home', '--data-dir'],
      ['cluster', 'list', '--json'],
      ['help', 'status'],
    ]) {
      expect(fastStatusArgs(argv), argv.join(' ')).toBeUndefined()
    }
  })
})

describe('callOnce against a ws server', () => {
  const token = 't'.repeat(32)
  let wss: WebSocketServer
  let url: string
  let onRequest: (ws: WebSocket, request: { id: number; method: string; input: unknown }) => void = () => {}
  const upgrades: IncomingMessage[] = []

  beforeAll(async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1', verifyClient: ({ req }: { req: IncomingMessage }) => req.headers.authorization === `Bearer ${token}` })
    await new Promise((r) => wss.once('listening', r))
    url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws`
    wss.on('connection', (ws, req) => {
      upgrades.push(req)
      ws.send(JSON.stringify({ event: 'statusChanged', payload: { cluster: 'x' } }))
      ws.on('message', (data) => onRequest(ws, JSON.parse(data.toString())))
    })
  })
  afterAll(() => new Promise<void>((r) => wss.close(() => r())))

  const call = (over: Partial<Parameters<typeof callOnce>[0]> = {}) => callOnce({ url, token, method: 'status.get', input: { cluster: 'home' }, connectTimeoutMs: 2000, replyTimeoutMs: 2000, ...over })

  it('sends the request with the token and resolves with the reply, past events, other ids and pings', async () => {
    onRequest = (ws, req) => {
      ws.send(JSON.stringify({ event: 'hostsChanged', payload: {} }))
      ws.ping()
      ws.send(JSON.stringify({ id: 99, reply: { ok: true, value: 'not ours' } }))
      ws.send('not json')
      ws.send(JSON.stringify({ id: req.id, reply: { ok: true, value: { method: req.method, input: req.input } } }))
    }
    await expect(call()).resolves.toEqual({ ok: true, value: { method: 'status.get', input: { cluster: 'home' } } })
    expect(upgrades.at(-1)!.headers.authorization).toBe(`Bearer ${token}`)
    expect(upgrades.at(-1)!.headers['sec-websocket-extensions']).toBeUndefined()
  })

  it('reads large replies (16- and 64-bit lengths) and fragmented ones', async () => {
    const big = 'é'.repeat(200_000) // 400 kB of UTF-8
    onRequest = (ws, req) => ws.send(JSON.stringify({ id: req.id, reply: { ok: true, value: big } }))
    await expect(call()).resolves.toEqual({ ok: true, value: big })
    const mid = 'm'.repeat(1000)
    onRequest = (ws, req) => {
      const text = JSON.stringify({ id: req.id, reply: { ok: true, value: mid } })
      ws.send(text.slice(0, 10), { fin: false })
      ws.send(text.slice(10, 500), { fin: false })
      ws.send(text.slice(500), { fin: true })
    }
    await expect(call()).resolves.toEqual({ ok: true, value: mid })
    // a large request goes out whole too
    onRequest = (ws, req) => ws.send(JSON.stringify({ id: req.id, reply: { ok: true, value: (req.input as string).length } }))
    await expect(call({ input: 'x'.repeat(70_000) })).resolves.toEqual({ ok: true, value: 70_000 })
  })

  it('rejects a wrong token, a closed connection, a silent server and nothing listening', async () => {
    await expect(call({ token: 'wrong' })).rejects.toThrow(/refused the upgrade \(HTTP\/1.1 401/)
    onRequest = (ws) => ws.close()
    await expect(call()).rejects.toThrow(/closed/)
    onRequest = () => {}
    await expect(call({ replyTimeoutMs: 200 })).rejects.toThrow(/no reply within 200 ms/)
    const closed = new WebSocketServer({ port: 0, host: '127.0.0.1' })
    await new Promise((r) => closed.once('listening', r))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((r) => closed.close(() => r()))
    await expect(call({ url: `ws://127.0.0.1:${port}/ws` })).rejects.toThrow(/ECONNREFUSED/)
  })
})
