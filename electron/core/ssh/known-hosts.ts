// known_hosts, read only (we never write the user's files): plain and hashed (`|1|salt|hash`)
// names, `[host]:port`, wildcards and negation, and the @revoked / @cert-authority markers.
import { createHmac, timingSafeEqual } from 'node:crypto'

export interface KnownHostLine {
  marker?: 'revoked' | 'cert-authority'
  patterns: string[]
  keyType: string
  key: Buffer
  file: string
  line: number
}

/** Parses known_hosts text; malformed lines are skipped, as OpenSSH does. */
export function parseKnownHosts(text: string, file = 'known_hosts'): KnownHostLine[] {
  const out: KnownHostLine[] = []
  const lines = text.split(/\r?\n/)
  lines.forEach((raw, i) => {
    const trimmed = raw.trim()
    if (trimmed === '' || trimmed.startsWith('#')) return
    const fields = trimmed.split(/\s+/)
    let marker: KnownHostLine['marker']
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift()
      if (m === '@revoked') marker = 'revoked'
      else if (m === '@cert-authority') marker = 'cert-authority'
      else return // unknown marker: ignore the line rather than guess
    }
    const [hosts, keyType, keyB64] = fields
    if (!hosts || !keyType || !keyB64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(keyB64)) return
    const key = Buffer.from(keyB64, 'base64')
    if (key.length === 0) return
    out.push({ marker, patterns: hosts.split(','), keyType, key, file, line: i + 1 })
  })
  return out
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function hostLookupName(host: string, port: number): string {
  return port === 22 ? host.toLowerCase() : `[${host.toLowerCase()}]:${port}`
}

// OpenSSH wildcards: `*` any run, `?` exactly one character. Everything else literal.
function wildcardMatch(pattern: string, text: string): boolean {
  let re = '^'
  for (const ch of pattern) {
    if (ch === '*') re += '.*'
    else if (ch === '?') re += '.'
    else re += ch.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')
  }
  return new RegExp(re + '$', 's').test(text)
}

function hashedMatch(entry: string, name: string): boolean {
  // |1|base64(salt)|base64(HMAC-SHA1(salt, name))
  const parts = entry.split('|')
  if (parts.length !== 4 || parts[1] !== '1') return false
  const salt = Buffer.from(parts[2] ?? '', 'base64')
  const want = Buffer.from(parts[3] ?? '', 'base64')
  if (salt.length === 0 || want.length !== 20) return false
  const got = createHmac('sha1', salt).update(name).digest()
  return timingSafeEqual(got, want)
}

/** Does a line's host list name this host? A matching negated pattern wins over all. */
export function lineMatchesHost(patterns: readonly string[], host: string, port: number): boolean {
  const name = hostLookupName(host, port)
  let matched = false
  for (const p of patterns) {
    if (p.startsWith('|')) {
      if (hashedMatch(p, name)) matched = true
      continue
    }
    const negated = p.startsWith('!')
    const pattern = (negated ? p.slice(1) : p).toLowerCase()
    if (wildcardMatch(pattern, name)) {
      if (negated) return false
      matched = true
    }
  }
  return matched
}

export type KnownHostsVerdict =
  | { kind: 'match'; line: KnownHostLine }
  | { kind: 'revoked'; line: KnownHostLine }
  | { kind: 'mismatch'; lines: KnownHostLine[] } // host known, with other key(s)
  | { kind: 'unknown'; certAuthority: boolean }

/** What the known_hosts lines say about the key a host presents. */
export function checkKnownHosts(lines: readonly KnownHostLine[], host: string, port: number, key: Buffer): KnownHostsVerdict {
  const forHost = lines.filter((l) => lineMatchesHost(l.patterns, host, port))
  const revoked = forHost.find((l) => l.marker === 'revoked' && l.key.equals(key))
  if (revoked) return { kind: 'revoked', line: revoked }
  const plain = forHost.filter((l) => l.marker === undefined)
  const same = plain.find((l) => l.key.equals(key))
  if (same) return { kind: 'match', line: same }
  if (plain.length > 0) return { kind: 'mismatch', lines: plain }
  return { kind: 'unknown', certAuthority: forHost.some((l) => l.marker === 'cert-authority') }
}

/** Key types known for a host (to prefer them in the handshake). */
export function knownKeyTypes(lines: readonly KnownHostLine[], host: string, port: number): string[] {
  return lines.filter((l) => l.marker === undefined && lineMatchesHost(l.patterns, host, port)).map((l) => l.keyType)
}
