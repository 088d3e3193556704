// The SSH layer against the lab's real OpenSSH servers: commands, limits and failures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireNetns } from '../../../e2e/lab'
import { failure, labContext, onHost } from '../../../e2e/support/ssh/lab-fixtures'
import { postgresHostProbe } from '../engines/postgres/versions'
import { mariadbHostProbe } from '../engines/mariadb/versions'
import { secret } from './quote'
import type { SshService } from './service'

const ctx = labContext()
let svc: SshService

beforeAll(() => {
  svc = ctx.service()
})
afterAll(() => ctx.closeAll())

// The lab hosts share the machine's PID space: a unique argument finds our process.
async function remoteAlive(marker: string): Promise<boolean> {
  const r = await onHost(ctx.host('host1'), ['pgrep', '-f', marker])
  return r.code === 0
}

describe('commands on a pooled connection', () => {
  it('connects, runs a command and reads stdout, stderr and the exit code', async () => {
    const t = ctx.target('host1')
    const r = await svc.exec(t, ['sh', '-c', 'echo out; echo err >&2; hostname'])
    expect(r.stdout).toBe(`out\n${ctx.host('host1').hostname}\n`)
    expect(r.stderr).toBe('err\n')
    expect(r.exitCode).toBe(0)
    expect((await svc.state(t)).state).toBe('connected')
  })

  it('reports a host: OS, PostgreSQL and MariaDB versions, round trip, shell and host key', async () => {
    const r = await svc.test(ctx.target('host1'), postgresHostProbe, mariadbHostProbe) // each engine's probe adds its versions
    expect(r.os?.id).toBe('debian')
    expect(r.postgresVersions).toContain(ctx.lab.pgVersion)
    // The lab installs Debian's mariadb-server (10.11): found, MariaDB's own version only.
    expect(r.mariadbVersions).toEqual([expect.stringMatching(/^10\.11\.\d+$/)])
    expect(r.roundTripMs).toBeGreaterThan(0)
    expect(r.roundTripMs).toBeLessThan(2000)
    expect(r.shell).toBe('/bin/bash')
    expect(r.hostKey.fingerprint).toBe(ctx.host('host1').hostKeyFingerprint)
  })

  it('sends data over stdin, byte for byte', async () => {
    const data = Buffer.from(Array.from({ length: 256 * 1024 }, (_, i) => (i * 7) % 256))
    const r = await svc.exec(ctx.target('host1'), ['sha256sum'], { stdin: data })
    const { createHash } = await import('node:crypto')
    expect(r.stdout.split(' ')[0]).toBe(createHash('sha256').update(data).digest('hex'))
  })

  it('runs 25 commands in parallel over one connection (more than MaxSessions 10)', async () => {
    const t = ctx.target('host1')
    const started = Date.now()
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => svc.exec(t, ['sh', '-c', `sleep 0.3; echo ${i}`])))
    expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 25 }, (_, i) => `${i}\n`))
    // 8 at a time: about 4 rounds of 0.3 s, far less than 25 in a row.
    expect(Date.now() - started).toBeLessThan(25 * 300)
    expect(svc.states().filter((s) => s.address === t.address && s.user === t.user)).toHaveLength(1)
  })

  it('never loses the exit status of very short commands (exit and close can come with the open reply)', async () => {
    const t = ctx.target('host3')
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => svc.exec(t, ['sh', '-c', `exit ${i % 2}`], { okExitCodes: [0, 1] })))
    expect(results.map((r) => r.exitCode)).toEqual(Array.from({ length: 200 }, (_, i) => i % 2))
  })

  it('recovers when asking for more channels than the server allows ("open failed")', async () => {
    const greedy = ctx.service({ channelLimit: 16 })
    const t = ctx.target('host2')
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => greedy.exec(t, ['sh', '-c', `sleep 0.4; echo ${i}`])))
    expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 25 }, (_, i) => `${i}\n`))
  })

  it('fails on a non-zero exit with host, argv, exit code and stderr tail', async () => {
    const e = await failure(svc.exec(ctx.target('host1'), ['sh', '-c', 'echo first >&2; echo "last words" >&2; exit 3']))
    expect(e.code).toBe('command_failed')
    expect(e.message).toContain('exit 3')
    expect(e.message).toContain('last words')
    expect(e.message).toContain(ctx.host('host1').address)
    expect(e.detail).toMatchObject({ exitCode: 3, argv: ['sh', '-c', expect.any(String)], stderrTail: 'first\nlast words' })
    const ok = await svc.exec(ctx.target('host1'), ['sh', '-c', 'exit 3'], { okExitCodes: [0, 3] })
    expect(ok.exitCode).toBe(3)
  })

  it('treats death by a signal as failure', async () => {
    const e = await failure(svc.exec(ctx.target('host1'), ['sh', '-c', 'kill -KILL $$']))
    expect(e.code).toBe('command_failed')
    // timeout(1) dies by its child's signal, so sshd reports exit-signal, not a status.
    expect(e.detail).toMatchObject({ exitCode: null, signal: 'SIGKILL' })
    expect(e.message).toContain('killed by SIGKILL')
  })

  it('says what to do when the program is missing', async () => {
    const e = await failure(svc.exec(ctx.target('host1'), ['no-such-program-rd']))
    expect(e.code).toBe('command_failed')
    expect(e.message).toMatch(/not found on the host/)
  })

  it('stops `sleep 100` on both ends at the time limit', async () => {
    const marker = `100.${Date.now() % 100000}`
    const started = Date.now()
    const e = await failure(svc.exec(ctx.target('host1'), ['sleep', marker], { timeoutMs: 1000 }))
    const took = Date.now() - started
    expect(e.code).toBe('ssh_timeout')
    expect(took).toBeGreaterThanOrEqual(900)
    expect(took).toBeLessThan(4000)
    // The remote sleep is gone too (timeout(1) killed it), not just our channel.
    let alive = true
    for (let i = 0; i < 20 && alive; i++) {
      alive = await remoteAlive(`sleep ${marker}`)
      if (alive) await new Promise((r) => setTimeout(r, 100))
    }
    expect(alive).toBe(false)
  })

  it('caps 100 MB of output at the limit, flags it, stops the command and keeps memory bounded', async () => {
    const t = ctx.target('host1')
    const rssBefore = process.memoryUsage().rss
    const marker = `${100 * 1024 * 1024 + (Date.now() % 1000)}`
    const r = await svc.exec(t, ['head', '-c', marker, '/dev/zero'], { allowTruncated: true, timeoutMs: 60_000 })
    expect(r.truncated).toEqual({ stdout: true, stderr: false })
    expect(r.stdout.length).toBe(10 * 1024 * 1024)
    expect(r.exitCode).toBeNull()
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(80 * 1024 * 1024)
    expect(await remoteAlive(`head -c ${marker}`)).toBe(false)
    // Without allowTruncated, a capped command is an error, never half an answer.
    const e = await failure(svc.exec(t, ['head', '-c', '5000000', '/dev/zero'], { maxOutputBytes: 1_000_000 }))
    expect(e.code).toBe('output_too_large')
    expect(e.detail).toMatchObject({ limit: 1_000_000, truncated: { stdout: true, stderr: false } })
    // the connection is still fine afterwards
    expect((await svc.exec(t, ['echo', 'ok'])).stdout).toBe('ok\n')
  })

  it('runs as postgres through sudo -n for the admin user', async () => {
    const r = await svc.exec(ctx.target('host1', ctx.lab.users.admin), ['id', '-un'], { sudo: 'postgres' })
    expect(r.stdout).toBe('postgres\n')
    const root = await svc.exec(ctx.target('host1', ctx.lab.users.admin), ['id', '-u'], { sudo: true })
    expect(root.stdout).toBe('0\n')
    // Logged in as postgres already, "as postgres" runs without sudo (postgres has no sudo rule).
    const self = await svc.exec(ctx.target('host1', ctx.lab.users.postgres), ['id', '-un'], { sudo: ctx.lab.users.postgres })
    expect(self.stdout).toBe(`${ctx.lab.users.postgres}\n`)
  })

  it('maps a sudo password prompt to ssh_sudo_password with a clear message', async (tc) => {
    if (!requireNetns('a host whose sudo asks for a password needs its own /etc/sudoers.d', { lab: ctx.lab, skip: tc.skip })) return
    const pw = ctx.lab.hosts.find((h) => h.sudoAsksPassword)
    expect(pw, 'the lab provides a host whose sudo asks for a password').toBeDefined()
    const e = await failure(svc.exec(ctx.target(pw!, ctx.lab.users.admin), ['id'], { sudo: 'postgres' }))
    expect(e.code).toBe('ssh_sudo_password')
    expect(e.message).toMatch(/asks for a password/)
    expect(e.message).toContain('NOPASSWD')
  })

  it('refuses an invalid sudo user name before anything runs', async () => {
    const e = await failure(svc.exec(ctx.target('host1', ctx.lab.users.admin), ['id'], { sudo: 'root; touch /tmp/x' }))
    expect(e.code).toBe('invalid_input')
  })

  it('logs every command with secrets masked and never the stdin', async () => {
    const seen: string[][] = []
    const off = ctx.activity.onEntry((e) => seen.push(e.argv))
    await svc.exec(ctx.target('host1'), ['sh', '-c', 'cat >/dev/null; echo "$1"', 'sh', secret('hunter2-secret')], { stdin: 'stdin-secret' })
    await failure(svc.exec(ctx.target('host1'), ['false']))
    off()
    await ctx.activity.flush()
    expect(seen[0]).toEqual(['sh', '-c', 'cat >/dev/null; echo "$1"', 'sh', '***'])
    const entries = ctx.activity.list({ limit: 2 })
    expect(entries[0]).toMatchObject({ argv: ['false'], exitCode: 1, errorCode: 'command_failed', host: `postgres@${ctx.host('host1').address}` })
    expect(entries[1]).toMatchObject({ exitCode: 0 })
    expect(entries[1]!.durationMs).toBeGreaterThanOrEqual(0)
    const { readFileSync } = await import('node:fs')
    const file = readFileSync(ctx.activity.file, 'utf8')
    expect(file).not.toContain('hunter2-secret')
    expect(file).not.toContain('stdin-secret')
  })
})
