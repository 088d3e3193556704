// The bad-input corpus at the database engine, on real lab hosts through the CLI as a user runs
// it: a port another program holds, and hostile values in the fields that reach a host's
// command line. Each is refused before anything is made, with the host and what to do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exec, execOk } from '../lab'
import { cliLab, type CliLab } from '../support/cli/cli-lab'

let t: CliLab
const port = 5987
const canary = `/tmp/rd-corpus-engine-canary-${process.pid}`

beforeAll(async () => {
  t = await cliLab()
  // Another program holds the port on h3 (a plain TCP listener, not PostgreSQL).
  await execOk(t.hosts[2]!.name, ['bash', '-c', `(exec -a rd-corpus-listener python3 -c 'import socket, time; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", ${port})); s.listen(); time.sleep(120)') >/dev/null 2>&1 &`])
  const listening = async () => (await exec(t.hosts[2]!.name, ['grep', '-qi', `:${port.toString(16).toUpperCase()} 00000000:0000 0A`, '/proc/net/tcp'])).code === 0
  for (let i = 0; i < 50 && !(await listening()); i++) await new Promise((r) => setTimeout(r, 100))
  expect(await listening()).toBe(true)
})
afterAll(async () => {
  await exec(t.hosts[2]!.name, ['pkill', '-f', 'rd-corpus-listener'])
  for (const h of t.hosts) expect((await exec(h.name, ['test', '-e', canary])).code, `${canary} on ${h.name}`).not.toBe(0)
})

describe('the engine refuses what would not work, before anything is made', () => {
  it('a port that another program holds', async () => {
    // The plan (--dry-run) reads nothing; the operation's first step checks the host and stops there.
    const r = await t.cli('cluster', 'create', 'corpus', '--member', 'c1', '--host', 'h3', '--pgdata', '/srv/rd-corpus/c1', '--port', String(port))
    expect(r.code).toBe(1)
    expect(r.err).toContain(`Port ${port} on h3 is already in use`)
    expect((await exec(t.hosts[2]!.name, ['test', '-e', '/srv/rd-corpus/c1'])).code).not.toBe(0)
  })

  it.each([
    ['a data dir with shell syntax', ['--pgdata', `/srv/x$(touch ${canary})`]],
    ['a relative data dir', ['--pgdata', 'srv/x']],
    ['a data dir with ..', ['--pgdata', '/srv/../etc']],
    ['a data dir that is an option', ['--pgdata', '-rf']],
    ['a member name with a newline', ['--member', 'c1\ntouch']],
    ['a Debian cluster name with a slash', ['--debian-name', '../main', '--layout', 'debian']],
  ])('%s: refused with the field named, nothing run', async (_label, override) => {
    const args: Record<string, string> = { '--member': 'c1', '--host': 'h3', '--pgdata': '/srv/rd-corpus/c1' }
    for (let i = 0; i < override.length; i += 2) args[override[i]!] = override[i + 1]!
    const r = await t.cli('cluster', 'create', 'corpus', ...Object.entries(args).flat(), '--dry-run')
    expect(r.code).toBe(2)
    expect(r.err).toMatch(/Invalid input/)
  })
})
