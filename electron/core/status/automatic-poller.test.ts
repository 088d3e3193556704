import { describe, expect, it } from 'vitest'
import type { AutomaticStatus } from '../../../shared/status'
import { AutomaticPoller } from './automatic-poller'

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms))
const view = (leader: string): AutomaticStatus => ({ manager: 'M', store: 'S', readFrom: 'h1', leader, paused: false, members: [], consensus: null, cannotFailover: null, error: null })

describe('the automatic-failover manager poller', () => {
  it('reads one at a time, tells only changes, shows a failure beside the last answer and a late read at its deadline', async () => {
    const answers: (() => Promise<AutomaticStatus>)[] = [
      async () => view('a'),
      async () => view('a'), // unchanged: no news
      async () => {
        throw new Error('h1: the manager does not answer')
      },
      async () => (await sleep(120), view('b')), // late: failed at 50 ms, then its answer
    ]
    let running = 0
    let maxRunning = 0
    const told: AutomaticStatus[] = []
    let reads = 0
    const p = new AutomaticPoller(
      {
        manager: 'M',
        store: 'S',
        periodMs: 5,
        timeoutMs: 50,
        read: async () => {
          running++
          maxRunning = Math.max(maxRunning, running)
          try {
            return await (answers[reads++] ?? (async () => view('b')))()
          } finally {
            running--
          }
        },
      },
      () => told.push(p.current!),
    )
    p.start()
    p.readNow() // a read runs: no second one
    await sleep(500)
    await p.stop()
    expect(maxRunning).toBe(1)
    expect(told.map((t) => [t.leader, t.error])).toEqual([
      ['a', null],
      ['a', 'h1: the manager does not answer'],
      ['a', 'no answer from M within 50 ms'],
      ['b', null],
    ])
    expect(p.stats.failures).toBe(2)
  })

  it('asked to read while a read runs (the primary changed): the next read starts when it ends, not a period later', async () => {
    let reads = 0
    const p = new AutomaticPoller({ manager: 'M', store: 'S', periodMs: 60_000, timeoutMs: 1000, read: async () => (reads++, await sleep(30), view(String(reads))) }, () => undefined)
    p.start()
    await sleep(10)
    p.readNow()
    await sleep(150)
    await p.stop()
    expect(reads).toBe(2)
    expect(p.current?.leader).toBe('2')
  })

  it('with nothing read yet, a failure still shows (with the manager named), never swallowed', async () => {
    const told: AutomaticStatus[] = []
    const p = new AutomaticPoller({ manager: 'M', store: 'S', periodMs: 1000, timeoutMs: 1000, read: () => Promise.reject(new Error('no member answered')) }, () => told.push(p.current!))
    p.start()
    await sleep(20)
    await p.stop()
    expect(told).toEqual([{ manager: 'M', store: 'S', readFrom: null, leader: null, paused: false, members: [], consensus: null, cannotFailover: null, error: 'no member answered' }])
  })
})

describe('the manager view in snapshots and diffs', () => {
  it('a changed view is a cluster-level change of the diff; a one-shot read says a failure', async () => {
    const { diffCluster } = await import('./diff')
    const { readAutomaticOnce } = await import('./automatic-poller')
    const snap = (automatic: AutomaticStatus | null) => ({ cluster: 'c', seq: 0, at: 't', periodMs: 1000, primary: 'a', splitBrain: null, members: [], otherSlots: [], lastPrimary: null, automatic })
    expect(diffCluster(snap(view('a')), snap(view('a')))).toBeNull()
    expect(diffCluster(snap(view('a')), snap(view('b')))).toEqual({ members: [], clusterChanges: { automatic: view('b') } })
    const source = { manager: 'M', store: 'S', periodMs: 1, timeoutMs: 20 }
    expect(await readAutomaticOnce({ ...source, read: () => new Promise(() => undefined) })).toMatchObject({ leader: null, error: 'no answer from M within 20 ms' })
    expect(await readAutomaticOnce({ ...source, read: async () => view('a') })).toEqual(view('a'))
  })
})
