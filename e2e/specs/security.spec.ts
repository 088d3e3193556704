// Headless mode lets in holders of the token only, from its own origin only.
import { createServer, request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import WebSocket from 'ws'
import type { Page } from '@playwright/test'
import { expect, test } from '../fixtures/app'
import type { HeadlessServer } from '../fixtures/server'

test.skip(({ appKind }) => appKind === 'electron', 'These check the headless server itself; the browser project runs them.')

interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** A plain HTTP GET with exactly the headers given (fetch would not let us set Host). */
function get(server: HeadlessServer, path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

/** The session path the token URL redirects to (the UI and its socket live under it). */
async function sessionPath(server: HeadlessServer): Promise<string> {
  const res = await get(server, `/?token=${server.token}`)
  return String(res.headers.location)
}

/** Opens the session's socket with these headers: resolves 'open' or the HTTP status the upgrade was refused with. */
async function upgrade(server: HeadlessServer, headers: Record<string, string>): Promise<{ socket: WebSocket | null; outcome: number | 'open' }> {
  const path = await sessionPath(server)
  return new Promise((resolve) => {
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}${path}ws`, { headers })
    socket.on('open', () => resolve({ socket, outcome: 'open' }))
    socket.on('unexpected-response', (_req, res) => {
      resolve({ socket: null, outcome: res.statusCode ?? 0 })
      socket.terminate()
    })
    socket.on('error', () => resolve({ socket: null, outcome: 0 }))
  })
}

const cookieFor = (server: HeadlessServer) => `replicadesk_token=${server.token}`

test('without the token the UI is refused with 401', async ({ headlessServer }) => {
  const res = await get(headlessServer, '/')
  expect(res.status).toBe(401)
  expect(res.body).toContain('token')
  expect(res.headers['set-cookie']).toBeUndefined()

  const wrong = await get(headlessServer, '/?token=not-the-token')
  expect(wrong.status).toBe(401)
  expect(wrong.headers['set-cookie']).toBeUndefined()
})

test('the token in the URL is swapped for an HttpOnly, SameSite=Strict cookie bound to the session path and dropped from the address', async ({ headlessServer }) => {
  const res = await get(headlessServer, `/?token=${headlessServer.token}`)
  expect(res.status).toBe(303)
  const path = String(res.headers.location)
  expect(path).toMatch(/^\/s\/[\w-]+\/$/)
  const cookie = String(res.headers['set-cookie'])
  expect(cookie).toContain(cookieFor(headlessServer))
  expect(cookie).toMatch(/HttpOnly/i)
  expect(cookie).toMatch(/SameSite=Strict/i)
  expect(cookie).toContain(`Path=${path}`)

  const page = await get(headlessServer, path, { cookie: cookieFor(headlessServer) })
  expect(page.status).toBe(200)
  expect(page.headers['content-security-policy']).toContain("script-src 'self'")
})

test('no open redirect: a token URL always lands on this server\'s session path', async ({ headlessServer }) => {
  const res = await get(headlessServer, `/.//evil.com/?token=${headlessServer.token}`)
  expect(res.status).toBe(303)
  expect(String(res.headers.location)).toBe(await sessionPath(headlessServer))
})

test('another web app on 127.0.0.1 never receives the token cookie', async ({ app }) => {
  // Cookies ignore ports: a cookie with Path=/ would go to every local web app the browser opens.
  const seen: string[] = []
  const otherApp = createServer((req, res) => {
    seen.push(req.headers.cookie ?? '')
    res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>other app</title>')
  })
  await new Promise<void>((resolve) => otherApp.listen(0, '127.0.0.1', resolve))
  try {
    const other = await app.page.context().newPage()
    const port = (otherApp.address() as AddressInfo).port
    for (const path of ['/', '/ws', '/s/', '/index.html']) await other.goto(`http://127.0.0.1:${port}${path}`)
    await other.close()
    expect(seen.length).toBeGreaterThanOrEqual(4) // the pages (and the browser's favicon requests)
    expect(seen.join(' ')).not.toContain('replicadesk_token')
    expect(seen.join(' ')).not.toContain(app.server!.token)
  } finally {
    otherApp.close()
  }
})

test('a foreign Host header is refused (DNS rebinding)', async ({ headlessServer }) => {
  const res = await get(headlessServer, '/', { cookie: cookieFor(headlessServer), host: `evil.example:${headlessServer.port}` })
  expect(res.status).toBe(421)
})

test('the WebSocket needs the token and the server’s own Origin', async ({ headlessServer }) => {
  const origin = headlessServer.origin
  expect((await upgrade(headlessServer, { origin })).outcome).toBe(401)
  expect((await upgrade(headlessServer, { origin, cookie: 'replicadesk_token=wrong' })).outcome).toBe(401)
  expect((await upgrade(headlessServer, { origin: 'http://evil.example', cookie: cookieFor(headlessServer) })).outcome).toBe(403)
  expect((await upgrade(headlessServer, { origin: `http://localhost:${headlessServer.port + 1}`, cookie: cookieFor(headlessServer) })).outcome).toBe(403)

  const ok = await upgrade(headlessServer, { origin, cookie: cookieFor(headlessServer) })
  expect(ok.outcome).toBe('open')
  const reply = await new Promise<unknown>((resolve) => {
    ok.socket!.once('message', (data) => resolve(JSON.parse(String(data))))
    ok.socket!.send(JSON.stringify({ id: 7, method: 'host.list', input: {} }))
  })
  expect(reply).toEqual({ id: 7, reply: { ok: true, value: [] } })
  ok.socket!.close()
})

test('a page on another origin cannot use the socket, although the browser holds the cookie', async ({ app }) => {
  // Same site (127.0.0.1), other port: the SameSite=Strict cookie still goes along, so only the
  // Origin check stands between that page and the user's servers.
  const foreignSite = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>elsewhere</title>'))
  await new Promise<void>((resolve) => foreignSite.listen(0, '127.0.0.1', resolve))
  try {
    const tryOpen = (page: Page) =>
      page.evaluate(
        (url) =>
          new Promise<string>((resolve) => {
            const ws = new WebSocket(url)
            ws.onopen = () => (resolve('open'), ws.close())
            ws.onerror = () => resolve('refused')
          }),
        `ws://127.0.0.1:${app.server!.port}${new URL(app.page.url()).pathname}ws`,
      )
    expect(await tryOpen(app.page)).toBe('open') // the control: ReplicaDesk's own page
    const foreign = await app.page.context().newPage()
    await foreign.goto(`http://127.0.0.1:${(foreignSite.address() as AddressInfo).port}/`)
    expect(await tryOpen(foreign)).toBe('refused')
    await foreign.close()
  } finally {
    foreignSite.close()
  }
})
