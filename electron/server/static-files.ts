// Serves the renderer build, with the security headers a desktop window would have.
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { ServerResponse } from 'node:http'
import { extname, join, normalize, sep } from 'node:path'

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
}

export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

export function securityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', contentSecurityPolicy)
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.setHeader('X-Frame-Options', 'DENY')
  res.setHeader('Referrer-Policy', 'no-referrer')
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin')
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin')
}

export async function serveStatic(root: string, urlPath: string, res: ServerResponse): Promise<void> {
  let rel: string
  try {
    rel = decodeURIComponent(urlPath)
  } catch {
    res.writeHead(400).end('Bad path')
    return
  }
  const file = normalize(join(root, rel === '/' ? 'index.html' : rel))
  if (file !== root && !file.startsWith(root + sep)) {
    res.writeHead(404).end('Not found')
    return
  }
  const info = await stat(file).catch(() => undefined)
  const target = info?.isFile() ? file : join(root, 'index.html') // single-page app fallback
  const targetInfo = info?.isFile() ? info : await stat(target).catch(() => undefined)
  if (!targetInfo?.isFile()) {
    res.writeHead(404).end('Not found: run `npm run build` first')
    return
  }
  res.writeHead(200, {
    'Content-Type': types[extname(target)] ?? 'application/octet-stream',
    'Content-Length': targetInfo.size,
    'Cache-Control': target.endsWith('index.html') ? 'no-store' : 'private, max-age=3600',
  })
  createReadStream(target).pipe(res)
}
