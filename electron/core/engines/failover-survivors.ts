// The read every engine's failover hands from step to step within one attempt: the survivors
// (`to` first, then the other members that stay), as each engine reads a member (R). assess
// reads them only on a resume; the fence step reads and judges them beside the fence, in
// parallel, unless this attempt did already; promote and repoint act on what was judged.
// What "judged" means (the plan still holds) is each engine's own `judge`, which throws when not.
import type { Report, StepCommand } from '../operations'
import type { Attempt, Handoff } from './handoff'

/** `judged` held against the confirmed plan; `promoted` a resume found `to` the primary already; `read` not judged yet. */
export interface Survivors<R> {
  seen: R[]
  verdict: 'judged' | 'promoted' | 'read'
}

/** The survivors read and judged in this attempt, for the steps that act on them right after. */
export const judgedSurvivors =
  <R>(h: Handoff<Survivors<R>>) =>
  (a: Attempt): R[] | undefined => {
    const s = h.get(a)
    return s?.verdict === 'judged' ? s.seen : undefined
  }

/** Judged or found promoted in this attempt: nothing left to read beside the fence. */
export const settled = (s: Survivors<unknown> | undefined) => s !== undefined && s.verdict !== 'read'

/**
 * assess's check: on the first attempt the plan's read (made by the caller a moment ago) stands
 * and nothing can be promoted yet; a resume reads the survivors and says whether `to` is
 * promoted already.
 */
export async function promotedOnResume<R>(a: Attempt, h: Handoff<Survivors<R>>, read: () => Promise<R[]>, isPromoted: (to: R) => boolean): Promise<boolean> {
  if (a.attempt <= 1) return false
  const seen = await read()
  const promoted = isPromoted(seen[0]!)
  h.put(a, { seen, verdict: promoted ? 'promoted' : 'read' })
  return promoted
}

/**
 * assess's run: nothing on a first attempt that read nothing (the fence step reads them beside
 * the fence); else the survivors (as this attempt's check read them, or read now) judged and
 * handed along, with what `judge` found.
 */
export async function judgeSurvivors<R, J>(a: Attempt, h: Handoff<Survivors<R>>, read: () => Promise<R[]>, judge: (seen: R[]) => J): Promise<{ found: J } | undefined> {
  const got = h.get(a)
  if (a.attempt <= 1 && !got) return undefined
  const seen = got?.seen ?? (await read())
  const found = judge(seen)
  h.put(a, { seen, verdict: 'judged' })
  return { found }
}

/**
 * The fence step's run: the fence (`fence`, what it says) and, unless this attempt settled
 * them, the survivors read and judged again, in parallel. Both settle before anything else
 * happens: a refusal never leaves a fence in flight. The fence's failure comes first.
 */
export async function fenceBesideSurvivors<R>(a: Attempt, h: Handoff<Survivors<R>>, read: () => Promise<R[]>, judge: (seen: R[]) => unknown, fence: () => Promise<string | undefined>, report: Report): Promise<void> {
  const reread = settled(h.get(a))
    ? Promise.resolve(undefined)
    : read().then((seen) => {
        judge(seen)
        h.put(a, { seen, verdict: 'judged' })
      })
  const fenced = fence()
  const [r, f] = await Promise.allSettled([reread, fenced])
  if (f.status === 'rejected') throw f.reason
  if (r.status === 'rejected') throw r.reason
  if (f.value) report({ message: f.value })
}

/**
 * The old primary's host did not answer the fence in time (connect failure or time-out): it
 * stays marked fenced in the record and is fenced when it is seen again; what the step reports.
 * Any other failure is thrown (it stops the failover before the promotion).
 */
export function unansweredFence(err: unknown, from: string | null | undefined, host: string, timeoutMs: number): string {
  const code = (err as { code?: string }).code
  if (code !== 'ssh_connect' && code !== 'ssh_timeout') throw err
  return `${from} on ${host} does not answer within ${timeoutMs} ms (${(err as Error).message}); it stays marked fenced and is fenced when it is seen again`
}

/** The fence command in the plan, with its bound. */
export const boundedFence = (c: StepCommand, timeoutMs: number): StepCommand => ({
  ...c,
  note: `${c.note ?? ''}; at most ${timeoutMs} ms, connect included: a host that does not answer by then stays fenced in the record and is fenced when it is seen again`,
})
