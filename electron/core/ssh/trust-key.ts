// Trusting a host key the user confirmed by its fingerprint: only the key the host presents
// now, only if it is the one confirmed, and never over what known_hosts says (the user's
// file); a key in our own trust store may be replaced. The pool then reconnects with it.
import { AppError } from '../../../shared/errors'
import { presentedHostKey, type Timing } from './connect'
import type { HostKeyChecker } from './host-keys'
import type { Pool } from './pool'
import type { ResolvedTarget } from './target'
import type { TrustedKey } from './trust-store'

export async function trustPresentedKey(t: ResolvedTarget, fingerprint: string, pool: Pool, checker: HostKeyChecker, timing: Timing): Promise<TrustedKey> {
  const decision = await presentedHostKey(t, await pool.socketFor(t), checker, timing)
  const key = decision.key
  if (!key) throw decision.ok ? new AppError('internal', 'no key') : decision.error
  if (key.fingerprint !== fingerprint) {
    throw new AppError('ssh_host_key_changed', `${t.address}:${t.port} now presents ${key.fingerprint}, not the ${fingerprint} you confirmed. Nothing was trusted; check the host and try again.`, { host: t.address, port: t.port, fingerprint: key.fingerprint, keyType: key.keyType, confirmed: fingerprint })
  }
  if (decision.ok) {
    pool.reset(t)
    return { keyType: key.keyType, fingerprint: key.fingerprint, key: key.blob.toString('base64'), addedAt: new Date().toISOString() }
  }
  const e = decision.error
  const fromTrustStoreOnly = e.code === 'ssh_host_key_changed' && (e.detail as { expected?: { source: string }[] }).expected?.every((x) => x.source === 'ReplicaDesk trust store')
  if (e.code !== 'ssh_host_key_unknown' && !fromTrustStoreOnly) {
    // known_hosts is the user's file: we never override what it says.
    throw e
  }
  const stored = await checker.trust(t.address, t.port, key)
  pool.reset(t)
  return stored
}
