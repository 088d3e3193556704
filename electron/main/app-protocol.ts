// Serves the renderer build from app://replicadesk/ instead of file:// (a real origin, and no
// access to the rest of the disk). The path check keeps requests inside the build folder; every
// answer carries the same CSP and security headers as headless mode, as response headers (a
// meta tag cannot say frame-ancestors).
import { join, normalize, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import { contentSecurityPolicy } from '../server/static-files'

export const appResponseHeaders: Readonly<Record<string, string>> = {
  'Content-Security-Policy': contentSecurityPolicy,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
}

/** The response with our security headers set (over whatever the file fetch gave). */
export function withAppHeaders(response: Response): Response {
  const headers = new Headers(response.headers)
  for (const [k, v] of Object.entries(appResponseHeaders)) headers.set(k, v)
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers })
}

export function resolveAppPath(rendererDir: string, requestUrl: string): string | undefined {
  let pathname: string
  try {
    pathname = decodeURIComponent(new URL(requestUrl).pathname)
  } catch {
    return undefined
  }
  const file = normalize(join(rendererDir, pathname === '/' ? 'index.html' : pathname))
  return file.startsWith(rendererDir + sep) ? file : undefined
}

export function appFileUrl(rendererDir: string, requestUrl: string): string | undefined {
  const file = resolveAppPath(rendererDir, requestUrl)
  return file ? pathToFileURL(file).toString() : undefined
}
