import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { fingerprintOf, hostKeyAlgorithms, keyTypeOf } from './fingerprint'
import { checkKnownHosts, hostLookupName, knownKeyTypes, lineMatchesHost, parseKnownHosts } from './known-hosts'

// Real keys and real hashed lines from OpenSSH's own ssh-keygen, not hand-made fixtures.
let dir: string
const keys: Record<string, { line: string; blob: Buffer; fp: string }> = {}
function makeKey(name: string, type: string) {
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', '', '-f', join(dir, name)])
  const line = readFileSync(join(dir, `${name}.pub`), 'utf8').trim()
  const fp = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, `${name}.pub`)], { encoding: 'utf8' }).split(' ')[1]!
  keys[name] = { line, blob: Buffer.from(line.split(' ')[1]!, 'base64'), fp }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rd-kh-'))
  makeKey('a', 'ed25519')
  makeKey('b', 'ed25519')
  makeKey('r', 'rsa')
  makeKey('e', 'ecdsa')
})

describe('fingerprints', () => {
  it('match ssh-keygen -l for every key type', () => {
    for (const k of Object.values(keys)) expect(fingerprintOf(k.blob)).toBe(k.fp)
  })
  it('read the key type from the blob', () => {
    expect(keyTypeOf(keys.a!.blob)).toBe('ssh-ed25519')
    expect(keyTypeOf(keys.r!.blob)).toBe('ssh-rsa')
    expect(keyTypeOf(keys.e!.blob)).toBe('ecdsa-sha2-nistp256')
    expect(() => keyTypeOf(Buffer.from([0, 0, 0]))).toThrow()
    expect(() => keyTypeOf(Buffer.from([0, 0, 1, 0, 65]))).toThrow()
  })
  it('prefer the known key types in the handshake', () => {
    expect(hostKeyAlgorithms(['ssh-rsa']).slice(0, 3)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'])
    expect(hostKeyAlgorithms([])[0]).toBe('ssh-ed25519')
    expect(new Set(hostKeyAlgorithms(['ssh-ed25519', 'ssh-ed25519'])).size).toBe(hostKeyAlgorithms([]).length)
  })
})

describe('known_hosts', () => {
  it('matches hashed names written by ssh-keygen -H, for port 22 and [host]:port', () => {
    const file = join(dir, 'kh_hashed')
    writeFileSync(file, `db1.lan ${keys.a!.line}\n[10.0.0.5]:2222 ${keys.b!.line}\n`)
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' })
    const text = readFileSync(file, 'utf8')
    expect(text).toMatch(/^\|1\|/)
    expect(text).not.toContain('db1.lan')
    const lines = parseKnownHosts(text, file)
    expect(checkKnownHosts(lines, 'db1.lan', 22, keys.a!.blob).kind).toBe('match')
    expect(checkKnownHosts(lines, 'DB1.lan', 22, keys.a!.blob).kind).toBe('match')
    expect(checkKnownHosts(lines, '10.0.0.5', 2222, keys.b!.blob).kind).toBe('match')
    expect(checkKnownHosts(lines, '10.0.0.5', 22, keys.b!.blob).kind).toBe('unknown')
    expect(checkKnownHosts(lines, 'db1.lan', 22, keys.b!.blob).kind).toBe('mismatch')
    expect(checkKnownHosts(lines, 'db2.lan', 22, keys.a!.blob).kind).toBe('unknown')
  })

  it('handles lists, wildcards, ? and negation', () => {
    expect(lineMatchesHost(parseKnownHosts(`db1,db2 ${keys.a!.line}`)[0]!.patterns, 'db2', 22)).toBe(true)
    expect(lineMatchesHost(['*.lan'], 'x.lan', 22)).toBe(true)
    expect(lineMatchesHost(['*.lan'], 'x.lan', 2222)).toBe(false)
    expect(lineMatchesHost(['[*.lan]:2222'], 'x.lan', 2222)).toBe(true)
    expect(lineMatchesHost(['db?'], 'db1', 22)).toBe(true)
    expect(lineMatchesHost(['db?'], 'db', 22)).toBe(false)
    expect(lineMatchesHost(['db?'], 'db12', 22)).toBe(false)
    expect(lineMatchesHost(['*.lan', '!evil.lan'], 'evil.lan', 22)).toBe(false)
    expect(lineMatchesHost(['!evil.lan', '*.lan'], 'evil.lan', 22)).toBe(false)
    expect(lineMatchesHost(['10.0.0.*'], '10.0.0.7', 22)).toBe(true)
    expect(lineMatchesHost(['10.0.0.*'], '10.0.0.7x', 22)).toBe(true) // as OpenSSH: * is any run
    expect(lineMatchesHost(['a.b'], 'axb', 22)).toBe(false) // the dot is literal
    expect(hostLookupName('Host', 22)).toBe('host')
    expect(hostLookupName('h', 2200)).toBe('[h]:2200')
  })

  it('reports @revoked keys and refuses @cert-authority as a trust path', () => {
    const text = [
      `@revoked * ${keys.b!.line}`,
      `@cert-authority *.lan ${keys.r!.line}`,
      `# comment`,
      ``,
      `garbage`,
      `@weird x ${keys.a!.line}`,
      `db1.lan ${keys.b!.line}`,
    ].join('\n')
    const lines = parseKnownHosts(text)
    expect(lines).toHaveLength(3)
    expect(checkKnownHosts(lines, 'db1.lan', 22, keys.b!.blob).kind).toBe('revoked')
    const ca = checkKnownHosts(lines, 'db9.lan', 22, keys.a!.blob)
    expect(ca).toEqual({ kind: 'unknown', certAuthority: true })
    // the CA key itself presented as a host key is not a match either
    expect(checkKnownHosts(lines, 'db9.lan', 22, keys.r!.blob).kind).toBe('unknown')
  })

  it('lists known key types for a host', () => {
    const lines = parseKnownHosts(`h1 ${keys.r!.line}\nh1 ${keys.e!.line}\nh2 ${keys.a!.line}\n`)
    expect(knownKeyTypes(lines, 'h1', 22)).toEqual(['ssh-rsa', 'ecdsa-sha2-nistp256'])
  })

  it('skips malformed base64 and empty keys', () => {
    expect(parseKnownHosts('h ssh-ed25519 not*base64\nh ssh-ed25519 =\n')).toHaveLength(0)
  })
})
