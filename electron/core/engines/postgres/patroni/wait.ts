// Polls until a read returns something (or the time is up: undefined). Reads that throw count as "not yet".
export async function wait<T>(limitMs: number, read: () => Promise<T | undefined>, everyMs = 250): Promise<T | undefined> {
  const until = Date.now() + limitMs
  for (;;) {
    const v = await read().catch(() => undefined)
    if (v !== undefined) return v
    if (Date.now() > until) return undefined
    await new Promise((r) => setTimeout(r, everyMs))
  }
}
