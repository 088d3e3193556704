// TLS for headless mode when it serves the LAN (--allow-remote): the user's own certificate, or
// a self-signed one made once and kept in the data dir (so the browser's exception and the
// fingerprint the user compared stay valid across restarts). It is remade when it expires within
// 30 days or does not name an address it is served on.
import { createPrivateKey, X509Certificate } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { isIP } from 'node:net'
import { join } from 'node:path'
import selfsigned from 'selfsigned'

export interface TlsFiles {
  cert: string
  key: string
  /** SHA-256 of the certificate, colon-separated hex: what browsers show. */
  fingerprint: string
  selfSigned: boolean
}

const renewBeforeMs = 30 * 24 * 3600 * 1000
const lifetimeMs = 397 * 24 * 3600 * 1000 // browsers refuse longer server certificates

/** The names a certificate must carry: every address it is served on, plus loopback. */
export function certificateNames(addresses: readonly string[]): string[] {
  return [...new Set(['localhost', '127.0.0.1', '::1', ...addresses])]
}

function covers(cert: X509Certificate, names: readonly string[]): boolean {
  const san = cert.subjectAltName ?? ''
  return names.every((n) => (isIP(n) ? cert.checkIP(n) !== undefined : san.includes(`DNS:${n}`)))
}

export async function selfSignedCertificate(dataDir: string, names: readonly string[], now = Date.now()): Promise<TlsFiles> {
  const dir = join(dataDir, 'tls')
  const certFile = join(dir, 'headless-cert.pem')
  const keyFile = join(dir, 'headless-key.pem')
  try {
    const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')])
    const x = new X509Certificate(cert)
    if (Date.parse(x.validTo) - now > renewBeforeMs && covers(x, names) && x.checkPrivateKey(createPrivateKey(key))) {
      return { cert, key, fingerprint: x.fingerprint256, selfSigned: true }
    }
  } catch (err) {
    // Missing or unreadable: made anew below. Anything but "missing" is worth a line.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') console.error(`ReplicaDesk: ${certFile} is not a usable certificate (${(err as Error).message}); making a new one.`)
  }
  const altNames = names.map((n) => (isIP(n) ? { type: 7 as const, ip: n.replace(/%.*$/, '') } : { type: 2 as const, value: n }))
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'ReplicaDesk headless' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 60_000),
    notAfterDate: new Date(now + lifetimeMs),
    extensions: [{ name: 'basicConstraints', cA: false }, { name: 'extKeyUsage', serverAuth: true }, { name: 'subjectAltName', altNames }],
  })
  await mkdir(dir, { recursive: true, mode: 0o700 })
  await writeFile(keyFile, pems.private, { mode: 0o600 })
  await writeFile(certFile, pems.cert, { mode: 0o644 })
  return { cert: pems.cert, key: pems.private, fingerprint: new X509Certificate(pems.cert).fingerprint256, selfSigned: true }
}

/** The user's own certificate and key (PEM), checked to belong together. */
export async function userCertificate(certFile: string, keyFile: string): Promise<TlsFiles> {
  const [cert, key] = await Promise.all([
    readFile(certFile, 'utf8').catch((e: Error) => Promise.reject(new Error(`Cannot read the certificate ${certFile}: ${e.message}`))),
    readFile(keyFile, 'utf8').catch((e: Error) => Promise.reject(new Error(`Cannot read the key ${keyFile}: ${e.message}`))),
  ])
  let x: X509Certificate
  try {
    x = new X509Certificate(cert)
  } catch (e) {
    throw new Error(`${certFile} is not a PEM certificate: ${(e as Error).message}`)
  }
  let matches: boolean
  try {
    matches = x.checkPrivateKey(createPrivateKey(key))
  } catch (e) {
    throw new Error(`${keyFile} is not a PEM private key: ${(e as Error).message}`)
  }
  if (!matches) throw new Error(`${keyFile} is not the key of ${certFile}.`)
  return { cert, key, fingerprint: x.fingerprint256, selfSigned: false }
}
