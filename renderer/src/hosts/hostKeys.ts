// What the host key dialogs show, read from the errors host.test and host.trust return: a key
// seen for the first time (the user may confirm it) or a key that differs from the one on
// record (refused: only the user's known_hosts or the server can change that).
import { z } from 'zod'
import { AppError } from '../../../shared/errors'

export interface KeySeen {
  fingerprint: string
  keyType: string
}

export interface UnknownKeyQuestion {
  kind: 'unknown'
  /** The host record whose key this is: the one tested, or a jump host on its way. */
  name: string
  /** The host record whose test raised the question. */
  testedName: string
  address: string
  port: number
  key: KeySeen
  /** known_hosts trusts the host through a @cert-authority line, which ReplicaDesk does not use. */
  certAuthority: boolean
}

export interface RefusedKey {
  kind: 'refused'
  name: string
  testedName: string
  address: string
  port: number
  /** What the host presents now. */
  presented: KeySeen
  /** What ReplicaDesk expected, and where that came from (a known_hosts line, the trust store). */
  expected: (KeySeen & { source: string })[]
  reason: 'changed' | 'revoked'
  message: string
}

export type KeyQuestion = UnknownKeyQuestion | RefusedKey

const base = z.object({ host: z.string(), port: z.number(), fingerprint: z.string(), keyType: z.string() })
const unknownDetail = base.extend({ certAuthority: z.boolean().optional() })
const changedDetail = base.extend({
  expected: z.array(z.object({ fingerprint: z.string(), keyType: z.string(), source: z.string() })).optional(),
  /** host.trust: the fingerprint the user confirmed, when the host presents another one. */
  confirmed: z.string().optional(),
})
const revokedDetail = base.extend({ file: z.string().optional(), line: z.number().optional() })

export const trustStoreSource = 'ReplicaDesk trust store'

export interface ChainRecord {
  name: string
  address: string
  port: number
  jump?: string
}

/**
 * Which record a host key belongs to: the tested record, or the jump host on its way whose
 * address and port the error names (a test through an unconfirmed jump host stops there).
 */
export function keyOwner(records: readonly ChainRecord[], testedName: string, address: string, port: number): string {
  const seen = new Set<string>()
  for (let r = records.find((x) => x.name === testedName); r && !seen.has(r.name); r = records.find((x) => x.name === r!.jump)) {
    seen.add(r.name)
    if (r.address === address && r.port === port) return r.name
  }
  return testedName
}

/** The dialog an error calls for, or null when it is not about a host key. */
export function keyQuestionFrom(err: unknown, testedName: string, records: readonly ChainRecord[] = []): KeyQuestion | null {
  if (!(err instanceof AppError)) return null
  const owner = (address: string, port: number) => ({ name: keyOwner(records, testedName, address, port), testedName })
  if (err.code === 'ssh_host_key_unknown') {
    const d = unknownDetail.safeParse(err.detail)
    if (!d.success) return null
    const { host, port, fingerprint, keyType, certAuthority } = d.data
    return { kind: 'unknown', ...owner(host, port), address: host, port, key: { fingerprint, keyType }, certAuthority: certAuthority ?? false }
  }
  if (err.code === 'ssh_host_key_changed') {
    const d = changedDetail.safeParse(err.detail)
    if (!d.success) return null
    const { host, port, fingerprint, keyType, expected, confirmed } = d.data
    const wanted = expected ?? (confirmed ? [{ fingerprint: confirmed, keyType: '', source: 'the fingerprint you confirmed' }] : [])
    return { kind: 'refused', reason: 'changed', ...owner(host, port), address: host, port, presented: { fingerprint, keyType }, expected: wanted, message: err.message }
  }
  if (err.code === 'ssh_host_key_revoked') {
    const d = revokedDetail.safeParse(err.detail)
    if (!d.success) return null
    const { host, port, fingerprint, keyType, file, line } = d.data
    const source = file ? `@revoked in ${file}${line ? ` line ${line}` : ''}` : '@revoked in known_hosts'
    return { kind: 'refused', reason: 'revoked', ...owner(host, port), address: host, port, presented: { fingerprint, keyType }, expected: [{ fingerprint, keyType, source }], message: err.message }
  }
  return null
}

/** The public key file of this type on a Debian/Ubuntu server (what ssh-keygen -lf should read). */
export function serverKeyFile(keyType: string): string {
  const short = keyType === 'ssh-ed25519' ? 'ed25519' : keyType.startsWith('ecdsa') ? 'ecdsa' : keyType === 'ssh-rsa' || keyType.startsWith('rsa') ? 'rsa' : 'ed25519'
  return `/etc/ssh/ssh_host_${short}_key.pub`
}

/** `10.0.0.5` or `[10.0.0.5]:2222`, as ssh and known_hosts write it. */
export function hostPort(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`
}

/** The command that removes a stale known_hosts entry. */
export function removeKeyCommand(q: RefusedKey): string | null {
  const files = q.expected.map((e) => /^(.*):\d+$/.exec(e.source)?.[1]).filter((f): f is string => !!f)
  if (files.length === 0) return null
  const file = files[0]!
  const quoted = /^[A-Za-z0-9_./~-]+$/.test(file) ? file : `'${file.replace(/'/g, `'\\''`)}'`
  return `ssh-keygen -R ${hostPort(q.address, q.port)} -f ${quoted}`
}

export const keyRefusedByTrustStoreOnly = (q: RefusedKey): boolean => q.reason === 'changed' && q.expected.length > 0 && q.expected.every((e) => e.source === trustStoreSource)
