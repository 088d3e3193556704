// Host key identity: the SHA256 fingerprint OpenSSH prints, and the key type read from the
// key blob itself (never from what a file claims).
import { createHash } from 'node:crypto'

/** `SHA256:<base64 without padding>` of the SSH wire-format key blob, as `ssh-keygen -l`. */
export function fingerprintOf(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')
}

/** The key type stored at the start of an SSH key blob (uint32 length + name). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) throw new Error('host key blob too short')
  const len = blob.readUInt32BE(0)
  if (len < 1 || len > 64 || 4 + len > blob.length) throw new Error('host key blob malformed')
  const type = blob.subarray(4, 4 + len).toString('latin1')
  if (!/^[A-Za-z0-9@._-]+$/.test(type)) throw new Error('host key type malformed')
  return type
}

// Signature algorithms ssh2 may negotiate for each key type, used to prefer the types the
// user already trusts (as OpenSSH does) so a server with several keys presents a known one.
const algorithmsByKeyType: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
}

const defaultOrder = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa']

/** Host key algorithms to offer: known key types first, then the rest. */
export function hostKeyAlgorithms(knownTypes: Iterable<string>): string[] {
  const out: string[] = []
  const add = (type: string) => {
    for (const algo of algorithmsByKeyType[type] ?? []) if (!out.includes(algo)) out.push(algo)
  }
  for (const t of knownTypes) add(t)
  for (const t of defaultOrder) add(t)
  return out
}
