// The numbers a plan's summary states, one wording for every PostgreSQL operation: how big a
// copy is and how long it should take, and how long a role change pauses writes. Pure, except
// copySize, which reads (a plan may read, never change).
import { formatEta } from '../../../../shared/operations'
import { COPY_SIZE_SQL } from './facts'
import { mb } from './format'
import type { PgNode } from './node'

/** The rate a copy is estimated at: a 1 Gbit/s network, which a home lab's disks usually keep up with. */
export const COPY_BYTES_PER_SECOND = 100e6
/** A switchover's write pause to a caught-up target (stop → promoted), as measured on the lab (bench: switchover). */
export const SWITCHOVER_PAUSE_S = 0.3
/** How long the size read for a summary may take before the summary says "unknown". */
const SIZE_READ_MS = 3000

/** `about 3 s`, `about 2 min 10 s`, `under a second`. */
export const about = (seconds: number) => (seconds < 1 ? 'under a second' : `about ${formatEta(seconds)}`)

/** How long copying `bytes` should take, with the rate it assumes; null: the size is unknown. */
export function copyTime(bytes: number | null): string {
  if (bytes === null) return 'its size could not be read now, so no time is estimated (about 10 s per GB at 100 MB/s)'
  return `${mb(bytes)}, ${about(bytes / COPY_BYTES_PER_SECOND)} at 100 MB/s (a 1 Gbit/s network; a slower disk or network takes longer)`
}

/** A switchover's write pause, plus the WAL the target still has to receive (at the copy rate). */
export function switchoverPause(behindBytes: number | null | undefined): string {
  const extra = behindBytes && behindBytes >= 1e6 ? behindBytes / COPY_BYTES_PER_SECOND : 0
  return `about ${(SWITCHOVER_PAUSE_S + extra).toFixed(1)} s${extra ? ` (it is ${mb(behindBytes!)} behind: the stop waits for that too)` : ''}`
}

export { listed } from '../reason-words'

/**
 * What a copy of the cluster would move, read from the members given (the primary's answer
 * when one answers as primary, else the largest): null when none answers within a few seconds.
 */
export async function copySize(nodes: readonly PgNode[]): Promise<number | null> {
  const query = `SELECT json_build_object('primary', NOT pg_is_in_recovery(), 'bytes', ${COPY_SIZE_SQL})`
  const one = async (n: PgNode) => {
    const out = (await n.sql([query], { timeoutMs: SIZE_READ_MS })).trim().split('\n').at(-1) ?? ''
    const v = JSON.parse(out) as { primary?: unknown; bytes?: unknown }
    return typeof v.bytes === 'number' ? { primary: v.primary === true, bytes: v.bytes } : null
  }
  // Bounded as a whole too: a host that does not answer costs the plan this long at most.
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), SIZE_READ_MS + 500)))
  const read = Promise.all(nodes.map((n) => one(n).catch(() => null)))
  const answers = (await Promise.race([read, late]).finally(() => clearTimeout(timer)))?.filter((a) => a !== null) ?? []
  const primary = answers.find((a) => a.primary)
  return primary ? primary.bytes : answers.length ? Math.max(...answers.map((a) => a.bytes)) : null
}
