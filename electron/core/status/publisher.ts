// A collector's output: the snapshot of now, and on every change a diff with the next sequence
// number (nothing when nothing changed); the split-brain alarm raised and lowered as its own
// event; on each tick, a history row and the primary position for the position writer. A
// listener's bug never stops the collection.
import type { AutomaticStatus, ClusterStatus, PrimaryPosition, SplitBrainAlarm, SplitBrainEvent, StatusEvent } from '../../../shared/status'
import type { MemberView, StatusSource } from '../engines/engine'
import { diffCluster } from './diff'
import type { HistoryRing } from './history'
import type { PositionWriter } from './positions'
import { deriveCluster, nextPosition, nextSplitBrain } from './snapshot'

export interface CollectorSinks {
  event(e: StatusEvent): void
  splitBrain(e: SplitBrainEvent): void
}

interface PublisherOptions<S> {
  cluster: string
  periodMs: number
  source: StatusSource<S>
  sinks: CollectorSinks
  history: HistoryRing
  positions: PositionWriter | null
  seqStart: number
  lastPrimary: PrimaryPosition | null
  /** The members as they are now. */
  views(): MemberView<S>[]
  /** The automatic-failover manager's view: undefined when the cluster has none, null until first read. */
  automatic(): AutomaticStatus | null | undefined
  /** Counts emitted events. */
  stats: { events: number }
}

export class Publisher<S> {
  seq: number
  last: ClusterStatus | null = null
  private splitAlarm: SplitBrainAlarm | null = null
  private lastPrimary: PrimaryPosition | null

  constructor(private readonly o: PublisherOptions<S>) {
    this.seq = o.seqStart
    this.lastPrimary = o.lastPrimary
  }

  /** The snapshot of now; `tick`: also a history row and the position to keep. */
  snapshotNow(now: Date, tick = false): ClusterStatus {
    const d = deriveCluster(this.o.source, this.o.views())
    this.splitAlarm = nextSplitBrain(this.splitAlarm, d.writable, this.o.cluster, now)
    if (tick) this.lastPrimary = nextPosition(this.lastPrimary, d.position, now)
    if (tick && d.position && this.lastPrimary) this.o.positions?.observe(this.lastPrimary, now.getTime())
    if (tick) {
      this.o.history.push(now.getTime(), d.members.map((m) => m.lagBytes), d.members.map((m) => m.lagSeconds))
    }
    return {
      cluster: this.o.cluster,
      seq: this.seq,
      at: now.toISOString(),
      periodMs: this.o.periodMs,
      primary: d.primary,
      splitBrain: this.splitAlarm,
      members: d.members,
      otherSlots: d.otherSlots,
      lastPrimary: this.lastPrimary,
      ...this.automaticField(),
    }
  }

  private automaticField(): Pick<ClusterStatus, 'automatic'> {
    const a = this.o.automatic()
    return a === undefined ? {} : { automatic: a }
  }

  publish(tick: boolean): void {
    const before = this.splitAlarm
    const next = this.snapshotNow(new Date(), tick)
    const diff = diffCluster(this.last, next)
    // The snapshot is current before anyone hears of the change: a listener that reads it at
    // once (the fence watcher) must see this state, not the one before it.
    if (diff) next.seq = ++this.seq
    this.last = next
    if (diff) this.emit({ kind: 'diff', cluster: this.o.cluster, seq: next.seq, at: next.at, ...diff })
    const after = this.splitAlarm
    if (before !== after && (before?.members.join() !== after?.members.join())) {
      const alarm = after ?? before!
      const e: SplitBrainEvent = {
        cluster: this.o.cluster,
        active: !!after,
        members: after?.members ?? [],
        since: alarm.since,
        at: next.at,
        message: after ? after.message : `Split brain in cluster ${this.o.cluster} is over: at most one member accepts writes now.`,
      }
      try {
        this.o.sinks.splitBrain(e)
      } catch {
        // a listener's bug must not stop the collection
      }
    }
  }

  emit(e: StatusEvent): void {
    this.o.stats.events++
    try {
      this.o.sinks.event(e)
    } catch {
      // a listener's bug must not stop the collection
    }
  }
}
