// The replication password every engine generates on the app's side (and sends to the server
// only as its database's hash): 32 characters of [A-Za-z0-9], nothing to quote anywhere.
import { randomBytes } from 'node:crypto'

export function generatePassword(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  let out = ''
  while (out.length < 32) {
    for (const b of randomBytes(48)) {
      if (b < 248 && out.length < 32) out += alphabet[b % 62] // 248 = 4 × 62: no bias
    }
  }
  return out
}
