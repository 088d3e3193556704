// Slows down token guessing: after a few wrong tokens from one address, that address is refused
// (429) for a while that doubles with each further failure, and every refusal is logged. The
// 256-bit token makes guessing hopeless anyway; this keeps a noisy client from trying at 1,000/s.
export interface AuthFailures {
  /** Milliseconds this address must still wait, 0 when it may try. */
  waitMs(address: string, now?: number): number
  /** A wrong or missing token from this address. */
  failed(address: string, now?: number): void
  /** A right token: the address starts afresh. */
  succeeded(address: string): void
}

export interface AuthFailureOptions {
  /** Failures allowed before the first pause. */
  free?: number
  firstPauseMs?: number
  maxPauseMs?: number
  log?: (line: string) => void
}

interface Record_ {
  count: number
  until: number
}

/** Bounded memory: the oldest address is forgotten past this many. */
const maxAddresses = 1024

export function createAuthFailures(options: AuthFailureOptions = {}): AuthFailures {
  const free = options.free ?? 10
  const first = options.firstPauseMs ?? 1000
  const max = options.maxPauseMs ?? 60_000
  const log = options.log ?? (() => {})
  const seen = new Map<string, Record_>()
  return {
    waitMs(address, now = Date.now()) {
      const r = seen.get(address)
      return r ? Math.max(0, r.until - now) : 0
    },
    failed(address, now = Date.now()) {
      const r = seen.get(address) ?? { count: 0, until: 0 }
      r.count++
      if (r.count > free) {
        const pause = Math.min(max, first * 2 ** (r.count - free - 1))
        r.until = now + pause
        log(`ReplicaDesk: ${r.count} wrong tokens from ${address}; refusing it for ${Math.round(pause / 1000)} s`)
      }
      seen.delete(address)
      seen.set(address, r)
      if (seen.size > maxAddresses) seen.delete(seen.keys().next().value!)
    },
    succeeded(address) {
      seen.delete(address)
    },
  }
}
