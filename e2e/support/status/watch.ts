// Test code: a client's copy of a cluster's status kept only from the service's events, the
// way the UI store keeps it (snapshot, then diffs in sequence; heartbeats check the sequence).
// Every event is checked against the shared schemas; a gap in the sequence fails the test.
import { splitBrainEvent, statusEvent, type ClusterStatus, type MemberStatus, type SplitBrainEvent, type StatusEvent } from '../../../shared/status'
import { applyDiff } from '../../../electron/core/status/diff'
import type { StatusService } from '../../../electron/core/status/service'

export interface Watch {
  /** The copy built from events. */
  readonly copy: ClusterStatus | null
  readonly events: { at: number; e: StatusEvent }[]
  readonly alarms: { at: number; e: SplitBrainEvent }[]
  readonly problems: string[]
  member(name: string): MemberStatus
  /** Resolves with performance.now() of the first event after which pred holds on the copy. */
  until(pred: (s: ClusterStatus) => boolean, timeoutMs: number, what: string): Promise<number>
  /** Calls fn with the copy after every event until the returned function is called. */
  each(fn: (s: ClusterStatus) => void): () => void
  stop(): void
}

export function watch(status: StatusService, cluster: string): Watch {
  let copy: ClusterStatus | null = null
  const events: Watch['events'] = []
  const alarms: Watch['alarms'] = []
  const problems: string[] = []
  const waiters: { pred: (s: ClusterStatus) => boolean; resolve: (t: number) => void }[] = []
  const samplers = new Set<(s: ClusterStatus) => void>()
  const check = (t: number) => {
    if (!copy) return
    for (const fn of samplers) fn(copy)
    for (const w of waiters.slice()) {
      if (w.pred(copy)) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(t)
      }
    }
  }
  const off = status.onEvent(({ name, payload }) => {
    const t = performance.now()
    if (name === 'splitBrain') {
      const p = splitBrainEvent.safeParse(payload)
      if (!p.success) problems.push(`bad splitBrain event: ${p.error.message}`)
      if (payload.cluster === cluster) alarms.push({ at: t, e: payload })
      return
    }
    if (payload.cluster !== cluster) return
    const p = statusEvent.safeParse(payload)
    if (!p.success) problems.push(`bad statusChanged event: ${p.error.message}`)
    events.push({ at: t, e: payload })
    if (payload.kind === 'snapshot') copy = payload.snapshot
    else if (!copy) problems.push(`${payload.kind} before any snapshot`)
    else if (payload.kind === 'diff') {
      if (payload.seq !== copy.seq + 1) problems.push(`diff seq ${payload.seq} after ${copy.seq}`)
      copy = applyDiff(copy, payload)
    } else if (payload.seq !== copy.seq) problems.push(`heartbeat seq ${payload.seq} but the copy is at ${copy.seq}`)
    check(t)
  })
  return {
    get copy() {
      return copy
    },
    events,
    alarms,
    problems,
    member(name) {
      const m = copy?.members.find((x) => x.name === name)
      if (!m) throw new Error(`no member ${name} in the copy`)
      return m
    },
    until(pred, timeoutMs, what) {
      if (copy && pred(copy)) return Promise.resolve(performance.now())
      return new Promise((resolve, reject) => {
        const w = { pred, resolve: (t: number) => (clearTimeout(timer), resolve(t)) }
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1)
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; copy: ${JSON.stringify(copy?.members.map((m) => [m.name, m.state, m.down?.code, m.role]))}`))
        }, timeoutMs)
        waiters.push(w)
      })
    },
    each(fn) {
      samplers.add(fn)
      return () => samplers.delete(fn)
    },
    stop: off,
  }
}
