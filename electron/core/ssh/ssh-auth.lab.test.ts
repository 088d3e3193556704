// Logging in: wrong keys, encrypted keys, passwords, the agent, and login shells we refuse.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SecretRequest } from './auth'
import { ensureTcsh, ensureUser, failure, labContext, makeKey, removeUser, tempDir } from '../../../e2e/support/ssh/lab-fixtures'

const ctx = labContext()
const dir = tempDir('rd-auth-')
const KEYUSER = 'rdsshkeys'
const TCSH = 'rdsshtcsh'
const NOLOGIN = 'rdsshfalse'
const PASS = 'correct horse'
let encrypted: { path: string; pub: string }
let agent: ChildProcess | undefined

beforeAll(() => {
  encrypted = makeKey(dir, 'encrypted', PASS)
  ensureUser(KEYUSER, '/bin/bash', [encrypted.pub])
  ensureUser(TCSH, ensureTcsh(), [ctx.lab.clientPublicKey])
  ensureUser(NOLOGIN, '/bin/false', [ctx.lab.clientPublicKey])
})
afterAll(async () => {
  await ctx.closeAll()
  agent?.kill()
  for (const u of [KEYUSER, TCSH, NOLOGIN]) removeUser(u)
})

describe('authentication', () => {
  it('a wrong key gives ssh_auth naming host and user and listing what was tried', async () => {
    const wrong = makeKey(dir, 'wrong')
    const svc = ctx.service()
    const t = ctx.target('host1', 'postgres', { identityFile: wrong.path })
    const e = await failure(svc.exec(t, ['true']))
    expect(e.code).toBe('ssh_auth')
    expect(e.message).toContain(`postgres@${ctx.host('host1').address}`)
    expect(e.message).toContain(`key ${wrong.path}`)
    expect(e.detail).toMatchObject({ user: 'postgres', tried: [`key ${wrong.path}`] })
    expect((await svc.state(t)).state).toBe('auth_failed')
  })

  it('a missing key file is listed, not a crash', async () => {
    const e = await failure(ctx.service().exec(ctx.target('host1', 'postgres', { identityFile: join(dir, 'nope') }), ['true']))
    expect(e.code).toBe('ssh_auth')
    expect(e.message).toContain('ENOENT')
  })

  it('asks for the passphrase of an encrypted key only when needed, and again after a wrong one', async () => {
    const asked: SecretRequest[] = []
    const answers = ['wrong passphrase', PASS]
    const svc = ctx.service({ secretPrompt: async (r) => (asked.push(r), answers.shift()) })
    const t = ctx.target('host1', KEYUSER, { identityFile: encrypted.path })
    expect((await svc.exec(t, ['id', '-un'])).stdout).toBe(`${KEYUSER}\n`)
    expect(asked.map((a) => [a.kind, a.keyFile, a.retry])).toEqual([
      ['passphrase', encrypted.path, false],
      ['passphrase', encrypted.path, true],
    ])
    // the unlocked key is kept in memory: a reconnect does not ask again
    await svc.disconnect(t)
    expect((await svc.exec(t, ['true'])).exitCode).toBe(0)
    expect(asked).toHaveLength(2)
  })

  it('a cancelled passphrase prompt ends in ssh_auth that says so', async () => {
    const svc = ctx.service({ secretPrompt: async () => undefined })
    const e = await failure(svc.exec(ctx.target('host1', KEYUSER, { identityFile: encrypted.path }), ['true']))
    expect(e.code).toBe('ssh_auth')
    expect(e.message).toContain('passphrase not given')
  })

  it('an encrypted key without any prompt is skipped with a reason', async () => {
    const e = await failure(ctx.service().exec(ctx.target('host1', KEYUSER, { identityFile: encrypted.path }), ['true']))
    expect(e.code).toBe('ssh_auth')
    expect(e.message).toContain('encrypted')
  })

  it('uses a password only when the user chose it, through the secret prompt', async () => {
    const asked: SecretRequest[] = []
    const svc = ctx.service({ secretPrompt: async (r) => (asked.push(r), ctx.lab.adminPassword) })
    const admin = ctx.lab.users.admin
    // keys would work for the admin: with usePassword only the password is offered
    const t = { address: ctx.host('host2').address, user: admin, usePassword: true }
    expect((await svc.exec(t, ['id', '-un'])).stdout).toBe(`${admin}\n`)
    expect(asked.map((a) => a.kind)).toEqual(['password'])
    const bad = ctx.service({ secretPrompt: async () => 'not-the-password' })
    const e = await failure(bad.exec(t, ['true']))
    expect(e.code).toBe('ssh_auth')
    expect(e.message).toContain('password')
  })

  it('logs in through a running ssh-agent', async () => {
    const sock = join(dir, 'agent.sock')
    agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' })
    for (let i = 0; i < 50 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50))
    execFileSync('ssh-add', [ctx.lab.clientKeyPath], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' })
    const svc = ctx.service({ agent: sock })
    const t = { address: ctx.host('host3').address, user: 'postgres' } // no identity file at all
    expect((await svc.exec(t, ['id', '-un'])).stdout).toBe('postgres\n')
  })

  it('goes on past a dead agent to the default key files', async () => {
    const { copyFileSync, mkdirSync, writeFileSync } = await import('node:fs')
    const home = tempDir('rd-home-')
    mkdirSync(join(home, '.ssh'), { mode: 0o700 })
    copyFileSync(ctx.lab.clientKeyPath, join(home, '.ssh', 'id_ed25519'))
    const stale = join(home, 'stale-agent.sock')
    writeFileSync(stale, '') // a leftover path where no agent listens
    const svc = ctx.service({ homeDir: home, agent: stale })
    const t = { address: ctx.host('host2').address, user: 'postgres' }
    expect((await svc.exec(t, ['id', '-un'])).stdout).toBe('postgres\n')
  })
})

describe('login shells', () => {
  it('refuses a non-POSIX login shell (tcsh) with a clear message', async () => {
    const svc = ctx.service()
    const t = ctx.target('host1', TCSH)
    const e = await failure(svc.exec(t, ['true']))
    expect(e.code).toBe('ssh_shell_unsupported')
    expect(e.message).toContain('/usr/bin/tcsh')
    expect(e.message).toMatch(/not a POSIX shell/)
    expect(e.message).toContain(`chsh -s /bin/bash ${TCSH}`)
    expect((await svc.state(t)).state).toBe('shell_unsupported')
    // the same account with a POSIX shell is fine: it was the shell, nothing else
    ensureUser(TCSH, '/bin/bash', [ctx.lab.clientPublicKey])
    expect((await ctx.service().exec(t, ['id', '-un'])).stdout).toBe(`${TCSH}\n`)
    ensureUser(TCSH, '/usr/bin/tcsh', [ctx.lab.clientPublicKey])
  })

  it('refuses an account whose shell cannot run commands (/bin/false)', async () => {
    const e = await failure(ctx.service().exec(ctx.target('host1', NOLOGIN), ['true']))
    expect(e.code).toBe('ssh_shell_unsupported')
    expect(e.message).toMatch(/cannot run commands/)
  })
})
