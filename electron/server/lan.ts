// Serving the LAN (--allow-remote): which addresses a browser can use (a wildcard bind is
// reached at each of the machine's own addresses, never at 0.0.0.0), and the TLS to serve them
// with (on by default there; --no-tls turns it off with a warning, --tls-cert/--tls-key bring
// the user's own certificate).
import { networkInterfaces } from 'node:os'
import { certificateNames, selfSignedCertificate, userCertificate, type TlsFiles } from './tls'

const wildcard = new Set(['0.0.0.0', '::'])

/** The addresses the server can be reached at, for the printed URLs. */
export function reachableAddresses(host: string, interfaces = networkInterfaces()): string[] {
  if (!wildcard.has(host)) return [host]
  const all = Object.values(interfaces).flatMap((list) => list ?? [])
  const usable = all.filter((i) => !i.internal && (host === '::' || i.family === 'IPv4') && !i.address.startsWith('fe80'))
  return usable.length ? usable.map((i) => i.address) : ['127.0.0.1']
}

export const urlHost = (address: string): string => (address.includes(':') ? `[${address}]` : address)

export interface TlsChoice {
  noTls: boolean
  certFile?: string
  keyFile?: string
}

/** The certificate to serve with, or undefined for plain HTTP. Throws with what to fix. */
export async function tlsFor(choice: TlsChoice, loopback: boolean, dataDir: string, addresses: readonly string[]): Promise<TlsFiles | undefined> {
  if (Boolean(choice.certFile) !== Boolean(choice.keyFile)) throw new Error('--tls-cert and --tls-key go together.')
  if (choice.certFile && choice.keyFile) return userCertificate(choice.certFile, choice.keyFile)
  if (loopback || choice.noTls) return undefined
  return selfSignedCertificate(dataDir, certificateNames(addresses))
}
