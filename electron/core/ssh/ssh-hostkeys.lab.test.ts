// Host key verification against real sshd host keys: unknown, trusted, changed, revoked.
import { execFileSync } from 'node:child_process'
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { failure, labContext, makeKey, tempDir } from '../../../e2e/support/ssh/lab-fixtures'
import { JsonFileTrustStore, MemoryTrustStore } from './trust-store'

const ctx = labContext()
afterAll(() => ctx.closeAll())

const host1 = () => ctx.host('host1')
const emptyKnownHosts = () => {
  const f = join(tempDir('rd-kh-'), 'known_hosts')
  writeFileSync(f, '')
  return f
}

describe('host keys', () => {
  it('refuses an unknown key with its fingerprint, then trusts it only for the confirmed fingerprint', async () => {
    const dataDir = tempDir('rd-trust-')
    const svc = ctx.service({ knownHostsPaths: [emptyKnownHosts()], trustStore: new JsonFileTrustStore(dataDir) })
    const states: string[] = []
    svc.onState((s) => states.push(s.state))
    const t = ctx.target('host1')
    const e = await failure(svc.exec(t, ['true']))
    expect(e.code).toBe('ssh_host_key_unknown')
    expect(e.message).toContain(host1().address)
    expect(e.detail).toMatchObject({ host: host1().address, port: 22, fingerprint: host1().hostKeyFingerprint, keyType: 'ssh-ed25519' })
    expect(states).toEqual(['connecting', 'host_key_unknown'])
    expect((await svc.state(t)).state).toBe('host_key_unknown')

    // A fingerprint other than the one presented: nothing is stored.
    const other = 'SHA256:' + 'A'.repeat(43)
    const wrong = await failure(svc.trust(t, other))
    expect(wrong.code).toBe('ssh_host_key_changed')
    await expect(new JsonFileTrustStore(dataDir).get(host1().address)).resolves.toBeUndefined()
    expect((await failure(svc.trust(t, 'not a fingerprint'))).code).toBe('invalid_input')

    const stored = await svc.trust(t, host1().hostKeyFingerprint)
    expect(stored.fingerprint).toBe(host1().hostKeyFingerprint)
    expect((await svc.exec(t, ['echo', 'trusted'])).stdout).toBe('trusted\n')

    // Persisted: a new service on the same data dir connects without asking again.
    const again = ctx.service({ knownHostsPaths: [emptyKnownHosts()], trustStore: new JsonFileTrustStore(dataDir) })
    expect((await again.exec(t, ['echo', 'again'])).stdout).toBe('again\n')
  })

  it('refuses a key that differs from known_hosts, naming both fingerprints, and will not trust over it', async () => {
    const dir = tempDir('rd-kh-')
    const impostor = makeKey(dir, 'impostor')
    const kh = join(dir, 'known_hosts')
    writeFileSync(kh, `${host1().address} ${impostor.pub}\n`)
    const svc = ctx.service({ knownHostsPaths: [kh] })
    const t = ctx.target('host1')
    const e = await failure(svc.exec(t, ['true']))
    expect(e.code).toBe('ssh_host_key_changed')
    expect(e.message).toContain('CHANGED')
    expect(e.message).toContain(host1().hostKeyFingerprint)
    const impostorFp = execFileSync('ssh-keygen', ['-lf', `${impostor.path}.pub`], { encoding: 'utf8' }).split(' ')[1]
    expect(e.message).toContain(impostorFp)
    expect(e.detail).toMatchObject({ fingerprint: host1().hostKeyFingerprint, expected: [{ fingerprint: impostorFp }] })
    expect((await svc.state(t)).state).toBe('host_key_changed')
    // known_hosts is the user's: confirming in the app does not override it.
    expect((await failure(svc.trust(t, host1().hostKeyFingerprint))).code).toBe('ssh_host_key_changed')
    expect(readFileSync(kh, 'utf8')).toBe(`${host1().address} ${impostor.pub}\n`) // never written
  })

  it('refuses a key that differs from the one trusted in the app, until the user confirms the new one', async () => {
    const store = new MemoryTrustStore()
    const dir = tempDir('rd-kh-')
    const old = makeKey(dir, 'old')
    const blob = Buffer.from(old.pub.split(' ')[1]!, 'base64')
    await store.set(host1().address, { keyType: 'ssh-ed25519', fingerprint: 'SHA256:old', key: blob.toString('base64'), addedAt: new Date().toISOString() })
    const svc = ctx.service({ knownHostsPaths: [emptyKnownHosts()], trustStore: store })
    const t = ctx.target('host1')
    const e = await failure(svc.exec(t, ['true']))
    expect(e.code).toBe('ssh_host_key_changed')
    expect(e.message).toContain('SHA256:old')
    await svc.trust(t, host1().hostKeyFingerprint)
    expect((await store.get(host1().address))?.fingerprint).toBe(host1().hostKeyFingerprint)
    expect((await svc.exec(t, ['echo', 'ok'])).stdout).toBe('ok\n')
  })

  it('treats a known_hosts entry of another key type as a changed key', async () => {
    const dir = tempDir('rd-kh-')
    execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', join(dir, 'rsa')])
    const kh = join(dir, 'known_hosts')
    writeFileSync(kh, `${host1().address} ${readFileSync(join(dir, 'rsa.pub'), 'utf8')}`)
    const e = await failure(ctx.service({ knownHostsPaths: [kh] }).exec(ctx.target('host1'), ['true']))
    expect(e.code).toBe('ssh_host_key_changed')
  })

  it('accepts hashed known_hosts lines and refuses @revoked keys', async () => {
    const dir = tempDir('rd-kh-')
    const hashed = join(dir, 'known_hosts')
    copyFileSync(ctx.lab.knownHostsPath, hashed)
    execFileSync('ssh-keygen', ['-H', '-f', hashed], { stdio: 'ignore' })
    expect(readFileSync(hashed, 'utf8')).not.toContain(host1().address)
    expect((await ctx.service({ knownHostsPaths: [hashed] }).exec(ctx.target('host1'), ['echo', 'h'])).stdout).toBe('h\n')

    const revoked = join(dir, 'revoked')
    writeFileSync(revoked, `@revoked * ${host1().hostKeyPublic}\n${readFileSync(ctx.lab.knownHostsPath, 'utf8')}`)
    const e = await failure(ctx.service({ knownHostsPaths: [revoked] }).exec(ctx.target('host1'), ['true']))
    expect(e.code).toBe('ssh_host_key_revoked')
    expect(e.message).toContain('@revoked')
  })

  it('refuses when known_hosts cannot be read (any error while checking is a no)', async () => {
    const dir = tempDir('rd-kh-')
    const e = await failure(ctx.service({ knownHostsPaths: [dir] }).exec(ctx.target('host1'), ['true'])) // a directory: EISDIR
    expect(e.code).toBe('ssh_connect')
    expect(e.message).toMatch(/Could not check the host key/)
  })
})
