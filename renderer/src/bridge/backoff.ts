// How long to wait before reconnect attempt n (1-based): quick at first, so a restarted server
// is found again within a second, then capped so a stopped one costs almost nothing.

export interface BackoffOptions {
  initialMs: number
  maxMs: number
  factor: number
  /** Fraction of the delay that is randomised (0..1), so many tabs do not retry in lockstep. */
  jitter: number
}

export const defaultBackoff: BackoffOptions = { initialMs: 250, maxMs: 5_000, factor: 2, jitter: 0.2 }

export function backoffDelay(attempt: number, options: BackoffOptions = defaultBackoff, random: () => number = Math.random): number {
  const n = Math.max(1, Math.floor(attempt))
  const base = Math.min(options.maxMs, options.initialMs * options.factor ** (n - 1))
  const spread = base * options.jitter
  return Math.round(base - spread + 2 * spread * random())
}
