// The host commands against the lab's real sshd: first contact asks for the fingerprint,
// trust stores it, test reports the host, jump hosts work, and every command is logged.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readLab, type Lab, type LabHost } from '../../e2e/lab'
import { ensureUser, makeKey, removeUser } from '../../e2e/support/ssh/lab-fixtures'
import { runCli } from './main'
import type { Terminal } from './secret-prompt'

let lab: Lab
let dataDir: string
let host1: LabHost
let host2: LabHost

async function cli(...argv: string[]) {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli([...argv, '--data-dir', dataDir], { out: (t) => out.push(t), err: (t) => err.push(t), invokedAs: 'replicadesk' })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

beforeAll(() => {
  lab = readLab()
  ;[host1, host2] = lab.hosts as [LabHost, LabHost]
  const dir = mkdtempSync(join(tmpdir(), 'rd-cli-lab-'))
  dataDir = join(dir, 'data')
  writeFileSync(join(dir, 'known_hosts'), '')
  // The user's own SSH files play no part: nothing known, no config, no agent.
  process.env.REPLICADESK_KNOWN_HOSTS = join(dir, 'known_hosts')
  process.env.REPLICADESK_SSH_CONFIG = join(dir, 'no-config')
  delete process.env.SSH_AUTH_SOCK
})

describe('replicadesk host test / trust against the lab', () => {
  it('asks about an unknown host key: its fingerprint, what to compare, and the command to paste (exit 3)', async () => {
    const add = await cli('host', 'add', 'h1', '--address', host1.address, '--user', 'postgres', '--identity-file', lab.clientKeyPath)
    expect(add.code).toBe(0)
    const first = await cli('host', 'test', 'h1')
    expect(first.code).toBe(3)
    expect(first.err).not.toMatch(/^Error:/)
    expect(first.err).toContain(host1.hostKeyFingerprint)
    expect(first.err).toContain('ssh-keygen -lf')
    // The hint carries the data dir this command used, so it works when pasted.
    expect(first.err).toContain(`replicadesk host trust h1 ${host1.hostKeyFingerprint} --data-dir ${dataDir}`)
  })

  it('refuses to trust a fingerprint the host does not present', async () => {
    const wrong = await cli('host', 'trust', 'h1', `SHA256:${'A'.repeat(43)}`, '--json')
    expect(wrong.code).toBe(1)
    expect(JSON.parse(wrong.out).error.code).toBe('ssh_host_key_changed')
  })

  it('trusts the confirmed fingerprint, then reports OS, PostgreSQL versions and round trip', async () => {
    expect((await cli('host', 'trust', 'h1', host1.hostKeyFingerprint)).code).toBe(0)
    const test = await cli('host', 'test', 'h1', '--json')
    expect(test.code).toBe(0)
    const result = JSON.parse(test.out)
    expect(result).toMatchObject({ name: 'h1', os: { id: 'debian' }, postgresVersions: ['15'], shell: expect.stringMatching(/sh$/) })
    expect(result.hostKey.fingerprint).toBe(host1.hostKeyFingerprint)
    expect(result.roundTripMs).toBeGreaterThan(0)
  })

  it('reaches a host through another host record (ProxyJump)', async () => {
    expect((await cli('host', 'add', 'h2', '--address', host2.address, '--user', 'postgres', '--identity-file', lab.clientKeyPath, '--jump', 'h1')).code).toBe(0)
    expect((await cli('host', 'trust', 'h2', host2.hostKeyFingerprint)).code).toBe(0)
    const test = JSON.parse((await cli('host', 'test', 'h2', '--json')).out)
    expect(test.hostKey.fingerprint).toBe(host2.hostKeyFingerprint)
    // A record that jumps through itself is refused when it is saved, not first at connect time.
    const loop = await cli('host', 'add', 'loop', '--address', host2.address, '--user', 'postgres', '--jump', 'loop')
    expect(loop.code).toBe(2)
    expect(loop.err).toContain('"loop" cannot jump through itself')
  })

  it('logs every remote command in the activity log', async () => {
    const entries = JSON.parse((await cli('activity', 'list', '--json')).out) as { host: string; argv: string[]; exitCode: number | null }[]
    expect(entries.some((e) => e.host.includes(host1.address) && e.argv.join(' ').includes('os-release') && e.exitCode === 0)).toBe(true)
    expect(entries.some((e) => e.host.includes(host2.address))).toBe(true)
  })
})

describe('passwords and passphrases on the terminal', () => {
  const user = 'rdclipass'
  let keyPath: string

  beforeAll(() => {
    const key = makeKey(mkdtempSync(join(tmpdir(), 'rd-cli-key-')), 'locked', 'open sesame')
    keyPath = key.path
    ensureUser(user, '/bin/sh', [key.pub])
  })
  afterAll(() => removeUser(user))

  const terminal = (answers: (string | undefined)[], asked: string[]): Terminal => ({
    isInteractive: true,
    readHidden: async (message) => (asked.push(message), answers.shift()),
  })

  it('asks for the passphrase of an encrypted key (again after a wrong one), then logs in', async () => {
    expect((await cli('host', 'add', 'locked', '--address', host1.address, '--user', user, '--identity-file', keyPath)).code).toBe(0)
    const asked: string[] = []
    const io = { out: () => {}, err: () => {}, terminal: terminal(['wrong', 'open sesame'], asked) }
    expect(await runCli(['host', 'test', 'locked', '--data-dir', dataDir], io)).toBe(0)
    expect(asked).toHaveLength(2)
    expect(asked[0]).toContain(keyPath)
    expect(asked[1]).toMatch(/^That was not accepted/)
  })

  it('says clearly that nothing could log in when the passphrase is not given', async () => {
    const err: string[] = []
    const code = await runCli(['host', 'test', 'locked', '--data-dir', dataDir], { out: () => {}, err: (t) => err.push(t), terminal: terminal([undefined], []) })
    expect(code).toBe(1)
    expect(err.join('\n')).toMatch(/passphrase not given/)
  })
})
