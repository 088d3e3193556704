import { describe, expect, it } from 'vitest'
import { AppError } from '../../../shared/errors'
import { keyOwner, keyQuestionFrom, keyRefusedByTrustStoreOnly, removeKeyCommand, serverKeyFile, type RefusedKey } from './hostKeys'

const fp = (c: string) => `SHA256:${c.repeat(43)}`

describe('keyQuestionFrom', () => {
  it('turns a first contact into a question with the fingerprint', () => {
    const err = new AppError('ssh_host_key_unknown', 'not seen', { host: '10.0.0.5', port: 22, fingerprint: fp('a'), keyType: 'ssh-ed25519', certAuthority: false })
    expect(keyQuestionFrom(err, 'db1')).toEqual({ kind: 'unknown', name: 'db1', testedName: 'db1', address: '10.0.0.5', port: 22, key: { fingerprint: fp('a'), keyType: 'ssh-ed25519' }, certAuthority: false })
  })

  it('gives a jump host its own question: the key belongs to the record on the way that has that address', () => {
    const records = [
      { name: 'db1', address: '10.1.0.5', port: 22, jump: 'bastion' },
      { name: 'bastion', address: '10.0.0.5', port: 22 },
    ]
    const err = new AppError('ssh_host_key_unknown', 'not seen', { host: '10.0.0.5', port: 22, fingerprint: fp('a'), keyType: 'ssh-ed25519' })
    expect(keyQuestionFrom(err, 'db1', records)).toMatchObject({ name: 'bastion', testedName: 'db1' })
  })

  it('turns a changed key into a refusal with both fingerprints and their sources', () => {
    const err = new AppError('ssh_host_key_changed', 'CHANGED', {
      host: '10.0.0.5',
      port: 2222,
      fingerprint: fp('b'),
      keyType: 'ssh-ed25519',
      expected: [{ fingerprint: fp('c'), keyType: 'ssh-ed25519', source: '/root/.ssh/known_hosts:3' }],
    })
    const q = keyQuestionFrom(err, 'db1') as RefusedKey
    expect(q).toMatchObject({ kind: 'refused', reason: 'changed', presented: { fingerprint: fp('b') }, expected: [{ fingerprint: fp('c'), source: '/root/.ssh/known_hosts:3' }] })
    expect(removeKeyCommand(q)).toBe('ssh-keygen -R [10.0.0.5]:2222 -f /root/.ssh/known_hosts')
    expect(keyRefusedByTrustStoreOnly(q)).toBe(false)
  })

  it('reads the refusal of host.trust (the host presents another key than the one confirmed)', () => {
    const err = new AppError('ssh_host_key_changed', 'now presents', { host: 'h', port: 22, fingerprint: fp('d'), keyType: 'ssh-rsa', confirmed: fp('e') })
    expect(keyQuestionFrom(err, 'db1')).toMatchObject({ kind: 'refused', expected: [{ fingerprint: fp('e'), source: 'the fingerprint you confirmed' }] })
  })

  it('knows a key refused only by the trust store', () => {
    const err = new AppError('ssh_host_key_changed', 'x', { host: 'h', port: 22, fingerprint: fp('f'), keyType: 'ssh-ed25519', expected: [{ fingerprint: fp('g'), keyType: 'ssh-ed25519', source: 'ReplicaDesk trust store' }] })
    const q = keyQuestionFrom(err, 'db1') as RefusedKey
    expect(keyRefusedByTrustStoreOnly(q)).toBe(true)
    expect(removeKeyCommand(q)).toBeNull()
  })

  it('reads a revoked key', () => {
    const err = new AppError('ssh_host_key_revoked', 'revoked', { host: 'h', port: 22, fingerprint: fp('h'), keyType: 'ssh-ed25519', file: '/k', line: 2 })
    expect(keyQuestionFrom(err, 'db1')).toMatchObject({ kind: 'refused', reason: 'revoked', expected: [{ source: '@revoked in /k line 2' }] })
  })

  it('ignores other errors and details it cannot read', () => {
    expect(keyQuestionFrom(new AppError('ssh_auth', 'no'), 'db1')).toBeNull()
    expect(keyQuestionFrom(new AppError('ssh_host_key_unknown', 'x', { host: 'h' }), 'db1')).toBeNull()
    expect(keyQuestionFrom(new Error('x'), 'db1')).toBeNull()
  })
})

describe('keyOwner', () => {
  it('walks the jump chain, survives a loop, and falls back to the tested record', () => {
    const loop = [
      { name: 'a', address: '1.1.1.1', port: 22, jump: 'b' },
      { name: 'b', address: '2.2.2.2', port: 22, jump: 'a' },
    ]
    expect(keyOwner(loop, 'a', '2.2.2.2', 22)).toBe('b')
    expect(keyOwner(loop, 'a', '3.3.3.3', 22)).toBe('a')
    expect(keyOwner(loop, 'a', '2.2.2.2', 2222)).toBe('a')
    expect(keyOwner([], 'x', '1.1.1.1', 22)).toBe('x')
  })
})

describe('serverKeyFile', () => {
  it('names the public key file of the type', () => {
    expect(serverKeyFile('ssh-ed25519')).toBe('/etc/ssh/ssh_host_ed25519_key.pub')
    expect(serverKeyFile('ecdsa-sha2-nistp256')).toBe('/etc/ssh/ssh_host_ecdsa_key.pub')
    expect(serverKeyFile('ssh-rsa')).toBe('/etc/ssh/ssh_host_rsa_key.pub')
  })
})

describe('removeKeyCommand', () => {
  it('quotes a file name with spaces', () => {
    const q: RefusedKey = { kind: 'refused', reason: 'changed', name: 'x', testedName: 'x', address: 'h', port: 22, presented: { fingerprint: fp('a'), keyType: 't' }, expected: [{ fingerprint: fp('b'), keyType: 't', source: "/home/a b/.ssh/known_hosts:1" }], message: '' }
    expect(removeKeyCommand(q)).toBe("ssh-keygen -R h -f '/home/a b/.ssh/known_hosts'")
  })
})
