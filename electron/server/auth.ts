// Who may talk to the headless server: a holder of the random token (first as ?token=, then
// as an HttpOnly cookie, or a Bearer header for the CLI), from an allowed Host and Origin.
// Browsers send cookies to every port of a host, so the cookie is bound to a path of this
// server's own (the session path, random and kept in the data dir so that it
// survives a restart): another web app on 127.0.0.1 never
// gets a request for that path, so it never sees the cookie.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

export const cookieName = 'replicadesk_token'

export const newToken = (): string => randomBytes(32).toString('base64url')

/** Constant-time comparison; hashing first makes the lengths equal. */
export function tokenMatches(expected: string, given: string | undefined | null): boolean {
  if (!given) return false
  const a = createHash('sha256').update(expected).digest()
  const b = createHash('sha256').update(given).digest()
  return timingSafeEqual(a, b)
}

/** `/s/<random>/`: the UI and its socket live under it; the token cookie is sent nowhere else. */
export const newSessionPath = (): string => `/s/${randomBytes(16).toString('base64url')}/`

export const isSessionPath = (path: string): boolean => /^\/s\/[A-Za-z0-9_-]{16,64}\/$/.test(path)

/**
 * A second cookie, on every path, that holds only the session path (no secret): a new tab opened
 * at the bare address is sent there, where the token cookie lets it in.
 */
export const pathCookieName = 'replicadesk_path'

export function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=')
    if (k === name) return v.join('=')
  }
  return undefined
}

export const cookieToken = (req: IncomingMessage): string | undefined => cookieValue(req, cookieName)

export function bearerToken(req: IncomingMessage): string | undefined {
  const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')
  return m?.[1]
}

export function requestToken(req: IncomingMessage): string | undefined {
  return bearerToken(req) ?? cookieToken(req)
}

const loopbackNames = new Set(['127.0.0.1', 'localhost', '[::1]'])

export interface HostPolicy {
  port: number
  /**
   * Bound to a non-loopback address (--host with --allow-remote): users reach it by names we
   * cannot know, so any Host is served; the token and the cookie's origin binding still apply.
   */
  anyHost: boolean
}

/** A Host header we serve: loopback names or the explicit bind address, on our port (no DNS rebinding). */
export function hostAllowed(req: IncomingMessage, policy: HostPolicy): boolean {
  const host = req.headers.host
  if (!host) return false
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:]+)(?::(\d+))?$/.exec(host)
  if (!m || Number(m[2] ?? 80) !== policy.port) return false
  return policy.anyHost || loopbackNames.has(m[1]!.toLowerCase())
}

/** Browsers always send Origin on WebSocket upgrades: it must be this server itself. */
export function originAllowed(req: IncomingMessage, scheme: 'http' | 'https' = 'http'): boolean {
  const origin = req.headers.origin
  if (origin === undefined) return true // not a browser (the CLI); the token still applies
  return origin === `${scheme}://${req.headers.host}`
}
