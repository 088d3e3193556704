// Operations run on after the call that started them; closing the core waits until each has
// released its cluster lease (a standalone CLI would otherwise leave it held until it expires).
export function createInFlight() {
  const running = new Set<Promise<unknown>>()
  return {
    /** Keeps a started operation's end until it settles. */
    track(finished: Promise<unknown>): void {
      const settled = finished.catch(() => undefined) // failures are journaled and sent as events
      running.add(settled)
      void settled.then(() => running.delete(settled))
    },
    /** Resolves once every operation tracked so far has ended. */
    settled: (): Promise<unknown> => Promise.all(running),
  }
}
