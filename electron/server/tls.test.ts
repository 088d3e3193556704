import { X509Certificate } from 'node:crypto'
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createCore } from '../core/core'
import { reachableAddresses, tlsFor } from './lan'
import { startServer } from './server'
import { certificateNames, selfSignedCertificate, userCertificate } from './tls'

const tempDir = () => mkdtemp(join(tmpdir(), 'rd-tls-'))

describe('headless TLS', () => {
  it('makes a self-signed certificate once, naming every address, and keeps it', async () => {
    const dir = await tempDir()
    const names = certificateNames(['192.0.2.10'])
    const first = await selfSignedCertificate(dir, names)
    const x = new X509Certificate(first.cert)
    expect(x.checkIP('192.0.2.10')).toBe('192.0.2.10')
    expect(x.checkIP('127.0.0.1')).toBe('127.0.0.1')
    expect(first.fingerprint).toBe(x.fingerprint256)
    expect((await stat(join(dir, 'tls', 'headless-key.pem'))).mode & 0o777).toBe(0o600)
    expect((await selfSignedCertificate(dir, names)).fingerprint).toBe(first.fingerprint) // kept
    // A new address, or one close to expiry: made anew.
    expect((await selfSignedCertificate(dir, certificateNames(['192.0.2.11']))).fingerprint).not.toBe(first.fingerprint)
    const later = Date.now() + 390 * 24 * 3600 * 1000
    const renewed = await selfSignedCertificate(dir, certificateNames(['192.0.2.11']), later)
    expect(Date.parse(new X509Certificate(renewed.cert).validTo)).toBeGreaterThan(later)
  })

  it("checks the user's own certificate and key belong together", async () => {
    const a = await selfSignedCertificate(await tempDir(), ['localhost'])
    const b = await selfSignedCertificate(await tempDir(), ['localhost'])
    const dir = await tempDir()
    await writeFile(join(dir, 'cert.pem'), a.cert)
    await writeFile(join(dir, 'a.key'), a.key)
    await writeFile(join(dir, 'b.key'), b.key)
    expect((await userCertificate(join(dir, 'cert.pem'), join(dir, 'a.key'))).fingerprint).toBe(a.fingerprint)
    await expect(userCertificate(join(dir, 'cert.pem'), join(dir, 'b.key'))).rejects.toThrow(/is not the key of/)
    await expect(userCertificate(join(dir, 'a.key'), join(dir, 'a.key'))).rejects.toThrow(/is not a PEM certificate/)
    await expect(userCertificate(join(dir, 'missing.pem'), join(dir, 'a.key'))).rejects.toThrow(/Cannot read the certificate/)
    await expect(tlsFor({ noTls: false, certFile: join(dir, 'cert.pem') }, false, dir, [])).rejects.toThrow(/go together/)
  })

  it('serves the LAN over TLS by default, plain only with --no-tls or on loopback', async () => {
    const dir = await tempDir()
    expect(await tlsFor({ noTls: false }, true, dir, ['127.0.0.1'])).toBeUndefined()
    expect(await tlsFor({ noTls: true }, false, dir, ['192.0.2.10'])).toBeUndefined()
    expect((await tlsFor({ noTls: false }, false, dir, ['192.0.2.10']))?.selfSigned).toBe(true)
  })

  it('prints addresses a browser can use for a wildcard bind, never 0.0.0.0', () => {
    const interfaces = {
      lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
      eth0: [
        { address: '192.0.2.10', family: 'IPv4', internal: false },
        { address: 'fe80::1', family: 'IPv6', internal: false },
        { address: '2001:db8::10', family: 'IPv6', internal: false },
      ],
    } as unknown as ReturnType<typeof import('node:os').networkInterfaces>
    expect(reachableAddresses('0.0.0.0', interfaces)).toEqual(['192.0.2.10'])
    expect(reachableAddresses('::', interfaces)).toEqual(['192.0.2.10', '2001:db8::10'])
    expect(reachableAddresses('192.0.2.10', interfaces)).toEqual(['192.0.2.10'])
  })

  it('answers over HTTPS with the same token flow and a Secure cookie; the socket is WSS with an https Origin', async () => {
    const dir = await tempDir()
    const tls = await selfSignedCertificate(dir, certificateNames([]))
    const core = await createCore({ dataDir: join(dir, 'data') })
    const server = await startServer({ core, port: 0, tls })
    try {
      expect(server.url).toMatch(/^https:\/\//)
      const res = await new Promise<{ status: number; cookie: string; fingerprint: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: server.port, path: `/?token=${server.token}`, ca: tls.cert, servername: 'localhost' }, (r) => {
          r.resume()
          resolve({ status: r.statusCode ?? 0, cookie: String(r.headers['set-cookie']), fingerprint: (r.socket as import('node:tls').TLSSocket).getPeerCertificate().fingerprint256 })
        })
        req.on('error', reject)
        req.end()
      })
      expect(res.status).toBe(303)
      expect(res.cookie).toMatch(/Secure/)
      expect(res.fingerprint).toBe(tls.fingerprint)
      // The certificate names localhost and 127.0.0.1; `ca` pins it as the one trusted root.
      const wssOptions = (origin: string): WebSocket.ClientOptions => ({ ca: tls.cert, headers: { Cookie: `replicadesk_token=${server.token}`, Origin: origin } })
      const ws = new WebSocket(`wss://127.0.0.1:${server.port}${server.sessionPath}ws`, wssOptions(`https://127.0.0.1:${server.port}`))
      await new Promise<void>((resolve, reject) => (ws.once('open', () => resolve()), ws.once('error', reject)))
      ws.close()
      const plainOrigin = new WebSocket(`wss://127.0.0.1:${server.port}${server.sessionPath}ws`, wssOptions(`http://127.0.0.1:${server.port}`))
      await expect(new Promise((resolve, reject) => (plainOrigin.once('open', resolve), plainOrigin.once('unexpected-response', (_q, r) => reject(new Error(`HTTP ${r.statusCode}`)))))).rejects.toThrow('HTTP 403')
    } finally {
      await server.close()
      await core.close()
    }
    expect(await readFile(join(dir, 'tls', 'headless-cert.pem'), 'utf8')).toBe(tls.cert)
  })
})
