// Caps the session channels open at once on one connection. sshd refuses more than its
// MaxSessions (10 by default) with "open failed"; we stay under a smaller limit and, if a
// server allows even fewer, shrink the limit to what it accepted and wait for a free slot.
export class ChannelLimiter {
  private active = 0
  private readonly waiting: (() => void)[] = []

  constructor(private limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error('channel limit must be a positive integer')
  }

  get open(): number {
    return this.active
  }

  get max(): number {
    return this.limit
  }

  get queued(): number {
    return this.waiting.length
  }

  async acquire(): Promise<() => void> {
    if (this.active < this.limit) this.active++
    // A released slot is handed straight to the first waiter (already counted for it).
    else await new Promise<void>((resolve) => this.waiting.push(resolve))
    let released = false
    return () => {
      if (released) return
      released = true
      this.release()
    }
  }

  /** The server refused a channel while `openNow` others were open: never ask for more. */
  shrinkTo(openNow: number): void {
    this.limit = Math.max(1, Math.min(this.limit, openNow))
  }

  private release(): void {
    const next = this.active <= this.limit ? this.waiting.shift() : undefined
    if (next) next()
    else this.active--
  }
}
