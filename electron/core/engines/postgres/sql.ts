// SQL text built from values: literals and identifiers quoted, and the SCRAM-SHA-256 verifier
// of a password computed here so that the password itself never reaches the server's logs.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto'
import { AppError } from '../../../../shared/errors'

function noNul(s: string): string {
  if (s.includes('\0')) throw new AppError('invalid_input', 'A SQL value cannot contain a NUL byte.')
  return s
}

/** A string literal (standard_conforming_strings, the default since PostgreSQL 9.1). */
export const lit = (s: string) => `'${noNul(s).replace(/'/g, "''")}'`

/** A quoted identifier. */
export const ident = (s: string) => `"${noNul(s).replace(/"/g, '""')}"`

export { generatePassword } from '../password'

/**
 * The verifier PostgreSQL stores for SCRAM-SHA-256 (RFC 5802 / 7677):
 * SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>. The password must be plain ASCII
 * (SASLprep leaves it unchanged), which generatePassword guarantees.
 */
export function scramVerifier(password: string, opts: { salt?: Buffer; iterations?: number } = {}): string {
  if (!/^[\x21-\x7e]+$/.test(password)) throw new AppError('invalid_input', 'The replication password must be printable ASCII.')
  const salt = opts.salt ?? randomBytes(16)
  const iterations = opts.iterations ?? 4096
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256')
  const clientKey = createHmac('sha256', salted).update('Client Key').digest()
  const storedKey = createHash('sha256').update(clientKey).digest()
  const serverKey = createHmac('sha256', salted).update('Server Key').digest()
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`
}
