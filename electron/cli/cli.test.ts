import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createCore } from '../core/core'
import { writeInstanceFile, removeInstanceFile } from '../server/instance-file'
import { startServer, type RunningServer } from '../server/server'
import { runCli } from './main'

async function cli(...argv: string[]) {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t), env: {} })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

const tempDir = () => mkdtemp(join(tmpdir(), 'rd-cli-'))

describe('replicadesk CLI (standalone)', () => {
  it('adds, lists, edits and removes hosts; --json prints parseable output', async () => {
    const d = await tempDir()
    expect((await cli('host', 'add', 'pi1', '--address', '192.0.2.1', '--user', 'pi', '--data-dir', d)).code).toBe(0)
    expect((await cli('host', 'add', 'pi2', '--address=192.0.2.2', '--user=pi', '--port=2222', '--data-dir', d)).code).toBe(0)
    const list = await cli('host', 'list', '--data-dir', d)
    expect(list.out).toMatch(/NAME\s+ADDRESS\s+PORT\s+USER/)
    expect(list.out).toMatch(/pi2\s+192\.0\.2\.2\s+2222\s+pi/)
    expect((await cli('host', 'edit', 'pi1', '--port', '2200', '--data-dir', d)).code).toBe(0)
    const json = JSON.parse((await cli('host', 'list', '--json', '--data-dir', d)).out)
    expect(json.map((h: { name: string; port: number }) => [h.name, h.port])).toEqual([['pi1', 2200], ['pi2', 2222]])
    expect((await cli('host', 'remove', 'pi1', '--data-dir', d)).code).toBe(0)
    expect(JSON.parse((await cli('host', 'list', '--json', '--data-dir', d)).out)).toHaveLength(1)
  })

  it('exits 2 on usage errors and invalid input, 1 on failures', async () => {
    const d = await tempDir()
    expect((await cli('--data-dir', d)).code).toBe(2)
    expect((await cli('host', 'frobnicate', '--data-dir', d)).code).toBe(2)
    expect((await cli('host', 'add', 'x', '--user', 'pi', '--address', 'a.lan', '--color', 'red', '--data-dir', d)).code).toBe(2)
    const badPort = await cli('host', 'add', 'x', '--user', 'pi', '--address', 'a.lan', '--port', 'http', '--data-dir', d)
    expect(badPort).toMatchObject({ code: 2 })
    expect(badPort.err).toContain('--port must be a number')
    const injected = await cli('host', 'add', 'x', '--user', 'pi', '--address', 'a.lan; rm -rf /', '--data-dir', d)
    expect(injected.code).toBe(2)
    expect(injected.err).toContain('Not a valid host name or IP address')
    const missing = await cli('host', 'remove', 'ghost', '--json', '--data-dir', d)
    expect(missing.code).toBe(1)
    expect(JSON.parse(missing.out).error.code).toBe('not_found')
  })
})

describe('replicadesk CLI with a running instance', () => {
  let server: RunningServer | undefined
  afterEach(async () => {
    await server?.close()
  })

  it('asks the instance of the same data dir instead of opening the store itself', async () => {
    const d = await tempDir()
    const core = await createCore({ dataDir: d })
    server = await startServer({ core, port: 0 })
    await writeInstanceFile(d, { pid: process.pid, wsUrl: server.wsUrl, token: server.token, kind: 'headless', startedAt: new Date().toISOString() })
    const seen: string[] = []
    core.events.subscribe((name) => seen.push(name))
    expect((await cli('host', 'add', 'nas', '--address', 'nas.lan', '--user', 'admin', '--data-dir', d)).code).toBe(0)
    expect(seen).toEqual(['hostsChanged']) // the instance's own core did the write
    await removeInstanceFile(d)
  })
})
