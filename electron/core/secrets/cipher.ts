// How a remembered secret is protected: the desktop app hands the core an OS-keychain cipher
// (Electron safeStorage, electron/main/secret-store.ts). Headless mode and the CLI have none,
// so they ask every time.
export type CipherAvailability = { ok: true } | { ok: false; reason: string }

export interface SecretCipher {
  available(): CipherAvailability
  encrypt(secret: string): Buffer
  decrypt(data: Buffer): string
}
