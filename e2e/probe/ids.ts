// Ids unique across runs: a random run number in the high 32 bits, a counter in the low 32.
// A run only ever reads back its own range, so leftovers of earlier runs never count.
import { randomInt } from 'node:crypto'

export class IdSource {
  private n = 0n
  readonly base: bigint

  constructor(readonly run: number = randomInt(1, 2 ** 30)) {
    this.base = BigInt(run) << 32n
  }

  next(): string {
    this.n += 1n
    return (this.base + this.n).toString()
  }

  /** Inclusive bounds of this run's ids, as SQL bigint text. */
  range(): [string, string] {
    return [(this.base + 1n).toString(), (this.base + 0xffffffffn).toString()]
  }
}
