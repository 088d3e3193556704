// A read shared for a while: callers within `ms` of a read get that read's promise instead of
// starting another one (the verdict is recomputed on every status change; what it reads from
// the hosts changes far more slowly). A read that fails is forgotten at once, so the next
// caller tries again instead of inheriting the failure.

export interface CachedOptions<K> {
  /** A caller got a kept read: it may be older than what prompted the call; `expiresInMs` says when a new read is due. */
  afterHit?(key: K, expiresInMs: number): void
}

/** `read` memoized per key for `ms` milliseconds (by start time). */
export function cachedFor<K, V>(ms: number, read: (key: K) => Promise<V>, keyOf: (key: K) => string, opts: CachedOptions<K> = {}): (key: K) => Promise<V> {
  const kept = new Map<string, { at: number; value: Promise<V> }>()
  return (key) => {
    const k = keyOf(key)
    const hit = kept.get(k)
    const age = hit ? Date.now() - hit.at : Infinity
    if (hit && age < ms) {
      opts.afterHit?.(key, ms - age)
      return hit.value
    }
    const value = read(key)
    const entry = { at: Date.now(), value }
    kept.set(k, entry)
    value.catch(() => {
      if (kept.get(k) === entry) kept.delete(k)
    })
    return value
  }
}
