// The publisher's order: the snapshot is current before a change is announced, so a listener
// that reads it at once (the fence watcher acts on the member it sees) never sees the state
// before the change it was told about.
import { describe, expect, it } from 'vitest'
import type { ClusterStatus } from '../../../shared/status'
import { postgresStatus } from '../engines/postgres/status'
import { primary, standby, view } from '../../../e2e/support/status/samples'
import { HistoryRing } from './history'
import { Publisher } from './publisher'

describe('Publisher', () => {
  it('has the new snapshot in place when it emits the diff', () => {
    let views = [view('db1', primary('0/3000000')), view('db2', null)]
    const seenAtEvent: ClusterStatus[] = []
    const out: Publisher<unknown> = new Publisher({
      cluster: 'c',
      periodMs: 1000,
      source: postgresStatus,
      sinks: { event: () => seenAtEvent.push(out.last!), splitBrain: () => undefined },
      history: new HistoryRing(['db1', 'db2'], 4),
      positions: null,
      seqStart: 0,
      lastPrimary: null,
      views: () => views,
      automatic: () => undefined,
      stats: { events: 0 },
    })
    out.last = out.snapshotNow(new Date())
    expect(out.last.members.find((m) => m.name === 'db2')?.state).toBe('down')
    views = [view('db1', primary('0/3000000')), view('db2', standby('0/3000000', '0/3000000'))]
    out.publish(false)
    expect(seenAtEvent).toHaveLength(1)
    expect(seenAtEvent[0]!.members.find((m) => m.name === 'db2')?.state).toBe('up')
    expect(seenAtEvent[0]!.seq).toBe(out.seq)
  })
})
