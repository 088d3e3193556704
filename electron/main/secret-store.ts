// Remembered SSH passwords and passphrases, encrypted with the OS keychain through Electron's
// safeStorage. On Linux without a keychain, safeStorage falls back to a hard-coded key
// ("basic_text"): we refuse rather than pretend the secret is protected.
import { AppError } from '../../shared/errors'
import type { SecretCipher } from '../core/secrets/cipher'

export interface SafeStorageLike {
  isEncryptionAvailable(): boolean
  getSelectedStorageBackend?(): string
  encryptString(text: string): Buffer
  decryptString(data: Buffer): string
}

export function createSecretStore(safe: SafeStorageLike, platform: NodeJS.Platform = process.platform): SecretCipher {
  const available = (): { ok: true } | { ok: false; reason: string } => {
    if (!safe.isEncryptionAvailable()) return { ok: false, reason: 'The OS keychain is not available, so ReplicaDesk cannot remember secrets. It will ask each time.' }
    if (platform === 'linux' && safe.getSelectedStorageBackend?.() === 'basic_text') {
      return { ok: false, reason: 'No desktop keychain (gnome-keyring or KWallet) is running; Electron would store secrets with a fixed key. ReplicaDesk will ask each time instead.' }
    }
    return { ok: true }
  }
  const check = () => {
    const state = available()
    if (!state.ok) throw new AppError('secrets_unavailable', state.reason)
  }
  return {
    available,
    encrypt: (secret) => (check(), safe.encryptString(secret)),
    decrypt: (data) => (check(), safe.decryptString(data)),
  }
}
