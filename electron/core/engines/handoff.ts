// A read one step of an operation made, handed to a later step of the same attempt by name
// instead of being read again. Bound to its attempt (operation id and attempt number): a
// resume or an abandon never sees what an earlier attempt read, so there every check reads the
// servers. Each use says in its step's header why the read handed along stands in for a new one.

/** What identifies one attempt of one operation (a StepContext has both). */
export interface Attempt {
  operationId: string
  attempt: number
}

const keyOf = (a: Attempt) => `${a.operationId}#${a.attempt}`

export class Handoff<T> {
  private held: { key: string; value: T } | undefined

  /** `what`: what the value is (for the reader: the name of the read handed along). */
  constructor(readonly what: string) {}

  /** Hands `value` along to the later steps of this attempt; returns it. */
  put(a: Attempt, value: T): T {
    this.held = { key: keyOf(a), value }
    return value
  }

  /** The value handed along in this attempt, if any. */
  get(a: Attempt): T | undefined {
    return this.held?.key === keyOf(a) ? this.held.value : undefined
  }

  /** The value handed along in this attempt, if any, and gone after (a read good for one use). */
  take(a: Attempt): T | undefined {
    const v = this.get(a)
    this.held = undefined
    return v
  }
}
