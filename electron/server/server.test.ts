import { mkdtemp, mkdir, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createCore, type Core } from '../core/core'
import { startServer, type RunningServer } from './server'
import { sessionPathOf } from './session-path-file'

let core: Core
let server: RunningServer
let rendererDir: string

beforeEach(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rd-server-'))
  rendererDir = join(dir, 'renderer')
  await mkdir(rendererDir)
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>ReplicaDesk</title>')
  await writeFile(join(dir, 'secret.txt'), 'outside the build')
  core = await createCore({ dataDir: join(dir, 'data') })
  server = await startServer({ core, port: 0, rendererDir })
})
afterEach(async () => {
  await server.close()
})

interface Res {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}
function get(path: string, headers: Record<string, string> = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
      let body = ''
      res.on('data', (c) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

function openWs(headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(server.wsUrl, { headers })
    ws.once('open', () => resolve(ws))
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
    ws.once('error', reject)
  })
}

describe('headless server', () => {
  it('refuses requests without the token with 401', async () => {
    expect((await get('/')).status).toBe(401)
    expect((await get('/index.html', { Cookie: 'replicadesk_token=wrong' })).status).toBe(401)
    expect((await get('/?token=wrong')).status).toBe(401)
  })

  it('swaps the token for an HttpOnly SameSite=Strict cookie bound to the session path, then serves the UI with a CSP', async () => {
    const first = await get(`/?token=${server.token}`)
    expect(first.status).toBe(303)
    expect(first.headers.location).toBe(server.sessionPath)
    expect(server.sessionPath).toMatch(/^\/s\/[\w-]{22}\/$/)
    expect(server.sessionPath).not.toContain(server.token)
    const cookie = String(first.headers['set-cookie'])
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Strict/)
    expect(cookie).toContain(`Path=${server.sessionPath}`)
    const page = await get(server.sessionPath, { Cookie: cookie.split(';')[0]! })
    expect(page.status).toBe(200)
    expect(page.body).toContain('<title>ReplicaDesk</title>')
    expect(page.headers['content-security-policy']).toContain("script-src 'self'")
    expect(page.headers['x-frame-options']).toBe('DENY')
    // The cookie counts only where the browser would send it.
    expect((await get('/', { Cookie: cookie.split(';')[0]! })).status).toBe(401)
  })

  it('sends a new tab at the bare address to the session path when the browser was let in before', async () => {
    const first = await get(`/?token=${server.token}`)
    const cookies = ([] as string[]).concat(first.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!)
    const pathCookie = cookies.find((c) => c.startsWith('replicadesk_path='))!
    expect(pathCookie).toBe(`replicadesk_path=${server.sessionPath}`) // a path, no secret
    const bare = await get('/', { Cookie: pathCookie })
    expect(bare.status).toBe(303)
    expect(bare.headers.location).toBe(server.sessionPath)
    // A forged path cookie is no redirect target.
    expect((await get('/', { Cookie: 'replicadesk_path=//evil.com/' })).status).toBe(401)
  })

  it('keeps its session path in the data dir across restarts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rd-session-'))
    const first = await sessionPathOf(dir)
    expect(first).toMatch(/^\/s\/[\w-]{22}\/$/)
    expect(await sessionPathOf(dir)).toBe(first)
    await writeFile(join(dir, 'headless-session-path'), '//evil.com/\n')
    expect(await sessionPathOf(dir)).not.toBe('//evil.com/')
  })

  it('redirects only to its own session path (no open redirect)', async () => {
    for (const path of [`/.//evil.com/?token=${server.token}`, `//evil.com/?token=${server.token}`, `/%2F%2Fevil.com/?token=${server.token}`]) {
      const res = await get(path)
      expect(res.status, path).toBe(303)
      expect(res.headers.location, path).toBe(server.sessionPath)
    }
  })

  it('refuses an address for a while after repeated wrong tokens, and logs it', async () => {
    const logged: string[] = []
    const other = await startServer({ core, port: 0, rendererDir, log: (l) => logged.push(l) })
    try {
      const hit = (path: string) =>
        new Promise<number>((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port: other.port, path }, (res) => (res.resume(), resolve(res.statusCode ?? 0)))
          req.on('error', reject)
          req.end()
        })
      for (let i = 0; i < 10; i++) expect(await hit('/?token=guess')).toBe(401)
      expect(await hit('/?token=guess')).toBe(401) // the 11th fails and starts the pause
      expect(await hit(`/?token=${other.token}`)).toBe(429) // even the right token waits
      expect(logged.join('\n')).toMatch(/11 wrong tokens from 127\.0\.0\.1/)
    } finally {
      await other.close()
    }
  })

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const res = await get('/', { Authorization: `Bearer ${server.token}`, Host: `evil.example:${server.port}` })
    expect(res.status).toBe(421)
  })

  it('never serves files outside the renderer build', async () => {
    const res = await get('/..%2fsecret.txt', { Authorization: `Bearer ${server.token}` })
    expect(res.body).not.toContain('outside the build')
  })

  it('refuses WebSockets without the token or from a foreign Origin', async () => {
    await expect(openWs({})).rejects.toThrow('HTTP 401')
    await expect(openWs({ Authorization: `Bearer ${server.token}`, Origin: 'http://evil.example' })).rejects.toThrow('HTTP 403')
    const ok = await openWs({ Authorization: `Bearer ${server.token}`, Origin: `http://127.0.0.1:${server.port}` })
    ok.close()
  })

  it('answers contract calls and pushes events to every client', async () => {
    const a = await openWs({ Authorization: `Bearer ${server.token}` })
    const b = await openWs({ Authorization: `Bearer ${server.token}` })
    const eventAtB = new Promise((resolve) => b.on('message', (d) => resolve(JSON.parse(d.toString()))))
    const replyAtA = new Promise((resolve) =>
      a.on('message', (d) => {
        const frame = JSON.parse(d.toString())
        if ('id' in frame) resolve(frame)
      }),
    )
    a.send(JSON.stringify({ id: 7, method: 'host.add', input: { name: 'nas', address: 'nas.lan', user: 'admin' } }))
    expect(await replyAtA).toMatchObject({ id: 7, reply: { ok: true, value: { name: 'nas', port: 22 } } })
    expect(await eventAtB).toMatchObject({ event: 'hostsChanged', payload: { hosts: [{ name: 'nas' }] } })
    a.close()
    b.close()
  })

  it('answers malformed frames and unknown methods with error data, not a crash', async () => {
    const ws = await openWs({ Authorization: `Bearer ${server.token}` })
    const frames: unknown[] = []
    const two = new Promise<void>((resolve) =>
      ws.on('message', (d) => {
        frames.push(JSON.parse(d.toString()))
        if (frames.length === 2) resolve()
      }),
    )
    ws.send('not json')
    ws.send(JSON.stringify({ id: 1, method: 'host.format', input: {} }))
    await two
    expect(frames).toContainEqual(expect.objectContaining({ id: -1, reply: expect.objectContaining({ ok: false }) }))
    expect(frames).toContainEqual({ id: 1, reply: { ok: false, error: expect.objectContaining({ code: 'unknown_method' }) } })
    ws.close()
  })
})
