// The callback script run for real (sh and curl of this machine) against a local listener: what
// Patroni's on_role_change sends, that it returns at once, and that a URL full of shell
// characters is sent as it is and runs nothing.
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { patroniInput } from '../../../../../e2e/support/patroni/fixtures'
import { parseCluster } from '../model'
import { callbackScript, shellQuote } from './callback'
import { callbackFile, patroniConfig, TEMPLATE_MARK } from './config'

interface Got { url: string; headers: IncomingMessage['headers']; body: string }
let server: Server
let port = 0
const got: Got[] = []
const dir = mkdtempSync(join(tmpdir(), 'rd-callback-'))
// The callback of a member that becomes the primary also runs etcdctl (etcd-leader.test.ts): here one that answers nothing.
writeFileSync(join(dir, 'etcdctl'), '#!/bin/sh\nexit 1\n', { mode: 0o755 })
const env = { ...process.env, PATH: `${dir}:${process.env.PATH}` }

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (d: Buffer) => (body += d.toString()))
    req.on('end', () => {
      got.push({ url: req.url ?? '', headers: req.headers, body })
      res.end('ok')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  port = (server.address() as AddressInfo).port
})
afterAll(() => {
  server.close()
  rmSync(dir, { recursive: true, force: true })
})

/** Runs the script as Patroni does (`sh FILE ACTION ROLE SCOPE`); resolves with its run time, then waits for the POST. */
async function runCallback(script: string, role: string): Promise<{ ms: number; got: Got }> {
  const file = join(dir, `cb-${got.length}.sh`)
  writeFileSync(file, script)
  const before = got.length
  const t0 = performance.now()
  await new Promise<void>((res, rej) => execFile('/bin/sh', [file, 'on_role_change', role, 'pt'], { timeout: 5000, env }, (err) => (err ? rej(err) : res())))
  const ms = performance.now() - t0
  for (let i = 0; i < 100 && got.length === before; i++) await new Promise((r) => setTimeout(r, 50))
  expect(got.length, 'the POST arrived').toBe(before + 1)
  return { ms, got: got.at(-1)! }
}

const member = (c: ReturnType<typeof parseCluster>) => c.members[1]!

describe("Patroni's role-change callback script", () => {
  it('posts JSON (cluster, member, role, host, time) to a webhook, in the background', async () => {
    const c = parseCluster({ ...patroniInput, notifyUrl: `http://127.0.0.1:${port}/hook` })
    const script = callbackScript(c, member(c))
    expect(script.startsWith(TEMPLATE_MARK)).toBe(true)
    expect(script).toMatch(/--connect-timeout 3 --max-time 10/)
    const r = await runCallback(script, 'master')
    expect(r.ms).toBeLessThan(1000)
    expect(r.got.url).toBe('/hook')
    expect(r.got.headers['content-type']).toBe('application/json')
    const body = JSON.parse(r.got.body) as Record<string, string>
    expect(body).toMatchObject({ source: 'replicadesk', event: 'role_change', cluster: 'pt', member: 'pt2', host: 'host2', role: 'primary' })
    expect(body.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    // A role Patroni might invent is never written into the JSON as it is.
    expect(JSON.parse((await runCallback(script, 'x"}{')).got.body)).toMatchObject({ role: 'unknown' })
    expect(JSON.parse((await runCallback(script, 'replica')).got.body)).toMatchObject({ role: 'replica' })
  })

  it('sends an ntfy topic a readable message with title and priority', async () => {
    const c = parseCluster({ ...patroniInput, notifyUrl: 'https://ntfy.sh/rd-topic' })
    const ntfy = callbackScript(c, member(c))
    expect(ntfy).toContain('-H "Title: $title" -H "Priority: $prio"')
    // ntfy is told by the URL's host name: the local listener stands in for ntfy.sh.
    const local = ntfy.replace(`--url ${shellQuote(c.notifyUrl!)}`, `--url 'http://127.0.0.1:${port}/rd-topic'`)
    const r = await runCallback(local, 'master')
    expect(r.got.headers.title).toBe('ReplicaDesk: pt2 of cluster pt is now primary')
    expect(r.got.headers.priority).toBe('high')
    expect(r.got.body).toMatch(/^pt2 on host2 became primary \(Patroni, \d{4}-.*Z\)\.$/)
    expect(r.got.url).toBe('/rd-topic')
  })

  it('a URL full of shell characters is sent as it is and runs nothing', async () => {
    const marker = join(dir, 'pwned')
    const path = `/a'$(touch${'${IFS}'}${marker})"\`touch${'${IFS}'}${marker}\`;x=$HOME&y=%27`
    const c = parseCluster({ ...patroniInput, notifyUrl: `http://127.0.0.1:${port}${path}` })
    const r = await runCallback(callbackScript(c, member(c)), 'master')
    expect(r.got.url).toBe(path)
    expect(existsSync(marker)).toBe(false)
  })

  it('without a notification URL it sends nothing; Patroni\'s config names the script either way', () => {
    const c = parseCluster(patroniInput)
    expect(callbackScript(c, member(c))).toMatch(/nothing is sent\.\nexit 0\n$/)
    expect(callbackScript(c, member(c))).not.toContain('curl')
    const facts = { listenAddresses: 'localhost,10.0.0.12', carried: {} }
    expect(patroniConfig(c, member(c), facts)).toContain(`  callbacks:\n    on_role_change: "/bin/sh ${callbackFile(c, member(c))}"\n`)
    expect(callbackFile(c, member(c))).toBe('/etc/patroni/15-pt2-on-role-change.sh')
  })
})
