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

  it('never prints control characters raw: what came from elsewhere is shown escaped', async () => {
    const d = await tempDir()
    const r = await cli('host', 'frob\u001b]0;owned\u0007\r\u001b[32mverified', '--data-dir', d)
    expect(r.code).toBe(2)
    expect(r.err).toContain('frob\\x1b]0;owned\\x07\\x0d\\x1b[32mverified')
    // eslint-disable-next-line no-control-regex
    expect(r.err + r.out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/)
  })

  it('exits 2 on usage errors and invalid input, 1 on failures', async () => {
    const d = await tempDir()
    expect((await cli('--data-dir', d)).code).toBe(2)
    expect((await cli('host', 'frobnicate', '--data-dir', d)).code).toBe(2)
    expect((await cli('host', 'add', 'x', '--user', 'pi', '--address', 'a.lan', '--color', 'red', '--data-dir', d)).code).toBe(2)
    const badPort = await cli('host', 'add', 'x', '--user', 'pi', '--address', 'a.lan', '--port', 'http', '--data-dir', d)
    expect(badPort).toMatchObject({ code: 2 })
    expect(badPort.err).toContain('--port must be a whole number')
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

describe('human output', () => {
  it('fits a table to the terminal: a long reason is cut in its row and shown whole under it', async () => {
    const { formatTable } = await import('./format')
    const reason = 'Forwarding refused by sshd on host2: set AllowStreamLocalForwarding yes in /etc/ssh/sshd_config and reload sshd'
    const text = formatTable([{ member: 'pg1', state: 'up' }, { member: 'pg2', state: `down: ${reason}` }], 60)
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(60)
    expect(text.replace(/\s+/g, ' ')).toContain(reason.replace(/\s+/g, ' '))
    expect(text.split('\n')[2]).toMatch(/^pg2\s+down: .*…$/)
  })

  it('fits a wide table of many columns into 80 characters, headers included (a cut cell is whole under its row)', async () => {
    const { formatTable } = await import('./format')
    const row = (m: string) => ({ member: m, host: `host-${m}-in-the-garage`, role: 'standby', state: 'streaming from db1', timeline: 3, 'received lsn': '0/3A2B4C5D', 'replay lag bytes': 123456789, 'replay lag seconds': 12.5 })
    const text = formatTable([row('db2'), row('db3')], 80, ['member'])
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80)
    expect(text).toContain('host-db3-in-the-garage')
  })

  it('prints operation lists, the activity log and a host test for people, not as JSON', async () => {
    const { formatActivity, formatHostTest, formatOperations } = await import('./human')
    const ops = formatOperations([
      { id: '20261207-020000-pg-failover-0abc', kind: 'pg-failover', clusterId: 'home', title: 'Failover', status: 'failed', params: { cluster: 'home', to: 'db2' }, members: ['db1', 'db2'], steps: [{ id: 'fence', title: 'Fence db1', hosts: ['pi1'], status: 'done' }, { id: 'promote', title: 'Promote db2', hosts: ['pi2'], status: 'failed' }], error: { code: 'command_failed', message: 'pg_ctl promote failed on pi2' }, instanceId: 'x', createdAt: '2026-12-07T02:00:00.000Z', updatedAt: '2026-12-07T02:00:01.000Z' },
    ], 120)
    expect(ops).not.toContain('{')
    expect(ops).toMatch(/20261207-020000-pg-failover-0abc\s+home\s+failed\s+2026-12-07 02:00:00Z\s+Promote db2 \(failed\)/)
    expect(ops).toContain('pg_ctl promote failed on pi2')
    for (const line of ops.split('\n')) expect(line.length).toBeLessThanOrEqual(120)
    const act = formatActivity([{ id: 'a', host: 'postgres@10.0.0.5', argv: ['sh', '-c', 'echo "$1"', 'sh', 'it\'s'], sudo: 'postgres', startedAt: '2026-12-07T02:00:00.000Z', durationMs: 12.4, exitCode: 0 }], 120)
    expect(act).not.toContain('["')
    expect(act).toContain(`[sudo -u postgres] sh -c 'echo "$1"' sh 'it'\\''s'`)
    const tested = { name: 'pi1', os: { prettyName: 'Debian GNU/Linux 12 (bookworm)' }, postgresVersions: ['15'], mariadbVersions: [], roundTripMs: 41.7, shell: '/bin/bash', hostKey: { fingerprint: 'SHA256:abc', keyType: 'ssh-ed25519' } }
    expect(formatHostTest(tested)).toBe(['pi1: connected in 42 ms', '  system      Debian GNU/Linux 12 (bookworm)', '  PostgreSQL  15', '  shell       /bin/bash', '  host key    ssh-ed25519 SHA256:abc'].join('\n'))
    // A MariaDB server installed: its line after PostgreSQL's (none when there is none).
    expect(formatHostTest({ ...tested, mariadbVersions: ['10.11.19'] }).split('\n').slice(2, 4)).toEqual(['  PostgreSQL  15', '  MariaDB     10.11.19'])
  })

  it('prints hints as the user invoked the CLI, with the data dir, so they work when pasted', async () => {
    const { invokedAs, pasteable } = await import('./invocation')
    expect(invokedAs({ npm_lifecycle_event: 'cli' }, '/x/bin/replicadesk.mjs')).toBe('npm run cli --')
    expect(invokedAs({ npm_command: 'exec' }, '/x/.bin/replicadesk')).toBe('npx replicadesk')
    expect(invokedAs({}, '/usr/local/bin/replicadesk')).toBe('replicadesk')
    expect(invokedAs({}, '/home/me/replicadesk/bin/replicadesk.mjs')).toBe('node /home/me/replicadesk/bin/replicadesk.mjs')
    expect(pasteable('npm run cli --', ['host', 'trust', 'pi1', 'SHA256:ab/c+d'], '/my data')).toBe("npm run cli -- host trust pi1 SHA256:ab/c+d --data-dir '/my data'")
  })
})
