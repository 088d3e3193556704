// Decides whether a presented host key is trusted: the user's known_hosts files (read, never
// written) plus ReplicaDesk's own trust store. Unknown and changed keys are refused with the
// fingerprints the user needs; any failure while checking is a refusal too.
import { AppError } from '../../../shared/errors'
import { readBoundedText } from '../store/bounded-read'
import { fingerprintOf, keyTypeOf } from './fingerprint'
import { checkKnownHosts, hostLookupName, knownKeyTypes, parseKnownHosts, type KnownHostLine } from './known-hosts'
import type { TrustStore, TrustedKey } from './trust-store'

export interface PresentedKey {
  keyType: string
  fingerprint: string
  blob: Buffer
}

export type HostKeyDecision =
  | { ok: true; source: 'known_hosts' | 'trust_store'; key: PresentedKey }
  | { ok: false; error: AppError; key?: PresentedKey }

export function describeKey(blob: Buffer): PresentedKey {
  return { keyType: keyTypeOf(blob), fingerprint: fingerprintOf(blob), blob }
}

/** known_hosts of a big fleet is a few MB at most. */
const MAX_KNOWN_HOSTS_BYTES = 32 * 1024 * 1024

export class HostKeyChecker {
  constructor(
    private readonly knownHostsPaths: readonly string[],
    private readonly trustStore: TrustStore,
  ) {}

  /** Every known_hosts line; a missing file is empty, an unreadable one is an error. */
  async readKnownHosts(): Promise<KnownHostLine[]> {
    const all: KnownHostLine[] = []
    for (const file of this.knownHostsPaths) {
      // A missing file is empty; a FIFO, a folder or a huge file is an error (and a refusal).
      const text = await readBoundedText(file, { maxBytes: MAX_KNOWN_HOSTS_BYTES })
      if (text !== undefined) all.push(...parseKnownHosts(text, file))
    }
    return all
  }

  /** Key types already trusted for this host, so the handshake can prefer them. */
  async knownTypes(host: string, port: number): Promise<string[]> {
    const types = knownKeyTypes(await this.readKnownHosts(), host, port)
    const stored = await this.trustStore.get(hostLookupName(host, port))
    if (stored) types.push(stored.keyType)
    return types
  }

  async check(host: string, port: number, blob: Buffer): Promise<HostKeyDecision> {
    let key: PresentedKey | undefined
    try {
      key = describeKey(blob)
      const lines = await this.readKnownHosts()
      const verdict = checkKnownHosts(lines, host, port, blob)
      const base = { host, port, fingerprint: key.fingerprint, keyType: key.keyType }
      if (verdict.kind === 'revoked') {
        return { ok: false, key, error: new AppError('ssh_host_key_revoked', `The host key of ${host}:${port} (${key.fingerprint}) is marked @revoked in ${verdict.line.file}. Refusing to connect; the server needs a new host key.`, { ...base, file: verdict.line.file, line: verdict.line.line }) }
      }
      if (verdict.kind === 'match') return { ok: true, source: 'known_hosts', key }
      if (verdict.kind === 'mismatch') {
        const first = verdict.lines[0]!
        return { ok: false, key, error: changedError(host, port, key, verdict.lines.map((l) => ({ fingerprint: fingerprintOf(l.key), keyType: l.keyType, source: `${l.file}:${l.line}` })), `${first.file} line ${first.line}`) }
      }
      const stored = await this.trustStore.get(hostLookupName(host, port))
      if (stored) {
        if (Buffer.from(stored.key, 'base64').equals(blob)) return { ok: true, source: 'trust_store', key }
        return { ok: false, key, error: changedError(host, port, key, [{ fingerprint: stored.fingerprint, keyType: stored.keyType, source: 'ReplicaDesk trust store' }], 'ReplicaDesk’s trusted keys') }
      }
      const ca = verdict.certAuthority
        ? ' known_hosts trusts this host through a @cert-authority line; ReplicaDesk does not support host certificates, so it checks the host’s own key instead.'
        : ''
      return {
        ok: false,
        key,
        error: new AppError('ssh_host_key_unknown', `ReplicaDesk has not seen the host key of ${host}:${port} before.${ca} Compare its fingerprint ${key.fingerprint} (${key.keyType}) with the one the server shows (ssh-keygen -lf /etc/ssh/ssh_host_${shortType(key.keyType)}_key.pub), then confirm it to trust this host.`, { ...base, certAuthority: verdict.certAuthority }),
      }
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err)
      return { ok: false, key, error: new AppError('ssh_connect', `Could not check the host key of ${host}:${port} (${why}); refusing to connect.`, { host, port }) }
    }
  }

  /** Stores a key the user confirmed, under the known_hosts-style id. */
  async trust(host: string, port: number, key: PresentedKey): Promise<TrustedKey> {
    const record: TrustedKey = { keyType: key.keyType, fingerprint: key.fingerprint, key: key.blob.toString('base64'), addedAt: new Date().toISOString() }
    await this.trustStore.set(hostLookupName(host, port), record)
    return record
  }
}

function shortType(keyType: string): string {
  if (keyType === 'ssh-ed25519') return 'ed25519'
  if (keyType.startsWith('ecdsa')) return 'ecdsa'
  return 'rsa'
}

/** Where the old key lives decides how it goes: ReplicaDesk never edits the user's known_hosts. */
function howToReplace(host: string, port: number, expected: { source: string }[]): string {
  const files = [...new Set(expected.map((e) => e.source).filter((s) => s !== 'ReplicaDesk trust store').map((s) => s.replace(/:\d+$/, '')))]
  const name = port === 22 ? host : `[${host}]:${port}`
  const trust = 'confirm the new key in ReplicaDesk (Trust in the host list, or `replicadesk host trust NAME FINGERPRINT`): it replaces the one ReplicaDesk trusted'
  if (!files.length) return `If the change is expected and the new fingerprint is what the server itself shows, ${trust}.`
  return `If the change is expected, remove the old key from ${files.join(', ')} (ssh-keygen -R '${name}' -f FILE; ReplicaDesk never edits it), then ${trust}.`
}

function changedError(host: string, port: number, key: PresentedKey, expected: { fingerprint: string; keyType: string; source: string }[], where: string): AppError {
  const exp = expected[0]!
  return new AppError(
    'ssh_host_key_changed',
    `The host key of ${host}:${port} has CHANGED: it now presents ${key.fingerprint} (${key.keyType}) but ${where} has ${exp.fingerprint} (${exp.keyType}). This can mean someone is intercepting the connection, or the server was reinstalled. Refusing to connect. ${howToReplace(host, port, expected)}`,
    { host, port, fingerprint: key.fingerprint, keyType: key.keyType, expected },
  )
}
