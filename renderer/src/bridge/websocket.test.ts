import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createClient } from '../../../shared/client'
import { AppError } from '../../../shared/errors'
import type { ConnectionStatus } from './connection'
import { socketUrlFor, WebSocketTransport, type SocketLike } from './websocket'

class FakeSocket implements SocketLike {
  readyState = 0
  sent: unknown[] = []
  onopen: ((event: unknown) => void) | null = null
  onclose: ((event: unknown) => void) | null = null
  onerror: ((event: unknown) => void) | null = null
  onmessage: ((event: { data: unknown }) => void) | null = null
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data))
  }
  close() {
    this.drop()
  }
  // Test side
  open() {
    this.readyState = 1
    this.onopen?.({})
  }
  drop() {
    this.readyState = 3
    this.onclose?.({ code: 1006 })
  }
  receive(frame: unknown) {
    this.onmessage?.({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) })
  }
}

function setup(options: { probe?: () => Promise<'unauthorized' | 'unreachable' | null> } = {}) {
  const sockets: FakeSocket[] = []
  const warnings: string[] = []
  const transport = new WebSocketTransport({
    url: 'ws://127.0.0.1:9/ws',
    createSocket: (url) => {
      const socket = new FakeSocket(url)
      sockets.push(socket)
      return socket
    },
    delay: (n) => n * 100,
    probe: options.probe,
    warn: (message) => warnings.push(message),
  })
  const states: ConnectionStatus[] = []
  transport.subscribe((s) => states.push(s))
  transport.start()
  const last = () => sockets[sockets.length - 1]!
  return { transport, sockets, warnings, states, last }
}

const hostRecord = {
  id: 'h1',
  name: 'db1',
  address: '10.0.0.1',
  port: 22,
  user: 'admin',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
}

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('WebSocketTransport', () => {
  it('queues calls until the socket opens, then sends them as request frames', async () => {
    const { transport, last } = setup()
    const client = createClient(transport)
    const listed = client.host.list({})
    expect(last().sent).toEqual([])
    last().open()
    expect(last().sent).toEqual([{ id: 1, method: 'host.list', input: {} }])
    last().receive({ id: 1, reply: { ok: true, value: [hostRecord] } })
    await expect(listed).resolves.toEqual([hostRecord])
    expect(transport.status).toMatchObject({ state: 'connected', sessions: 1, failures: 0 })
  })

  it('rebuilds error replies as AppError with code and detail', async () => {
    const { transport, last } = setup()
    last().open()
    const client = createClient(transport)
    const added = client.host.add({ name: 'db1', address: 'x', user: 'u' })
    last().receive({
      id: 1,
      reply: { ok: false, error: { code: 'conflict', message: 'taken', detail: { field: 'name' } } },
    })
    const err = await added.catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AppError)
    expect(err).toMatchObject({ code: 'conflict', message: 'taken', detail: { field: 'name' } })
  })

  it('fails the calls in flight with code transport when the socket drops, and reconnects', async () => {
    const { transport, sockets, last } = setup()
    last().open()
    const client = createClient(transport)
    const pending = client.host.add({ name: 'db1', address: '10.0.0.1', user: 'admin' })
    last().drop()
    const err = await pending.catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'transport' })
    expect((err as AppError).message).toMatch(/may or may not have been made/)
    expect(transport.status).toMatchObject({ state: 'reconnecting', failures: 1 })
    expect(transport.status.retryAt).not.toBeNull()

    vi.advanceTimersByTime(100)
    expect(sockets).toHaveLength(2)
    last().open()
    expect(transport.status).toMatchObject({ state: 'connected', sessions: 2, failures: 0, retryAt: null })
  })

  it('answers calls made while no socket exists at once, without sending', async () => {
    const { transport, last } = setup()
    last().open()
    last().drop()
    const reply = await transport.call('host.list', {})
    expect(reply).toMatchObject({ ok: false, error: { code: 'transport' } })
  })

  it('backs off further after each failed attempt and stays "connecting" until the first success', () => {
    const { transport, sockets, last } = setup()
    last().drop() // never opened
    expect(transport.status).toMatchObject({ state: 'connecting', failures: 1 })
    vi.advanceTimersByTime(100)
    last().drop()
    expect(transport.status).toMatchObject({ state: 'connecting', failures: 2 })
    vi.advanceTimersByTime(199)
    expect(sockets).toHaveLength(2)
    vi.advanceTimersByTime(1)
    expect(sockets).toHaveLength(3)
  })

  it('retryNow skips the wait', () => {
    const { transport, sockets, last } = setup()
    last().open()
    last().drop()
    expect(sockets).toHaveLength(1)
    transport.retryNow()
    expect(sockets).toHaveLength(2)
    expect(transport.status.retryAt).toBeNull()
    transport.retryNow() // an attempt is running: no second socket
    expect(sockets).toHaveLength(2)
  })

  it('asks the probe why after repeated failures and reports it', async () => {
    const probe = vi.fn(async () => 'unauthorized' as const)
    const { transport, last } = setup({ probe })
    last().open()
    last().drop()
    expect(probe).not.toHaveBeenCalled() // the first failure is usually just a restart
    vi.advanceTimersByTime(100)
    last().drop()
    expect(probe).toHaveBeenCalledTimes(1)
    await vi.runAllTicks()
    await Promise.resolve()
    expect(transport.status.problem).toBe('unauthorized')
    vi.advanceTimersByTime(200)
    last().open()
    expect(transport.status.problem).toBeNull()
  })

  it('delivers events and drops frames outside the wire protocol', () => {
    const { transport, warnings, last } = setup()
    const events: [string, unknown][] = []
    transport.onEvent((name, payload) => events.push([name, payload]))
    last().open()
    last().receive({ event: 'hostsChanged', payload: { hosts: [] } })
    last().receive('not json')
    last().receive({ hello: 'world' })
    last().receive({ id: 'one', reply: { ok: true, value: 1 } })
    last().receive({ id: 99, reply: { ok: true, value: 1 } }) // nobody waits for it: ignored quietly
    expect(events).toEqual([['hostsChanged', { hosts: [] }]])
    expect(warnings).toHaveLength(3)
  })

  it('a client event listener only sees payloads that pass the contract', () => {
    const { transport, last } = setup()
    const client = createClient(transport)
    const seen: unknown[] = []
    client.on('hostsChanged', (p) => seen.push(p))
    last().open()
    last().receive({ event: 'hostsChanged', payload: { hosts: [{ name: 'no id' }] } })
    last().receive({ event: 'hostsChanged', payload: { hosts: [hostRecord] } })
    expect(seen).toEqual([{ hosts: [hostRecord] }])
  })

  it('stop closes for good and fails what is pending', async () => {
    const { transport, sockets, last } = setup()
    const pending = transport.call('host.list', {})
    transport.stop()
    await expect(pending).resolves.toMatchObject({ ok: false, error: { code: 'transport' } })
    vi.advanceTimersByTime(10_000)
    expect(sockets).toHaveLength(1)
    expect(last().readyState).toBe(3)
  })
})

describe('socketUrlFor', () => {
  it('is /ws beside the page, ws or wss to match', () => {
    expect(socketUrlFor('http://127.0.0.1:7420/#/hosts')).toBe('ws://127.0.0.1:7420/ws')
    expect(socketUrlFor('http://127.0.0.1:7420/s/abc/#/hosts')).toBe('ws://127.0.0.1:7420/s/abc/ws')
    expect(socketUrlFor('https://lab.example:8443/?x=1')).toBe('wss://lab.example:8443/ws')
  })
})
