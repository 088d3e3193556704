// Fence marks on the cluster records, decided here only. A member marked fenced is never
// started as a primary again by ReplicaDesk: the mark, taking it away, and which members of a
// cluster carry it now (the fence watcher asks on every status event). When an operation marks
// or unmarks is record-effects.ts; the act of fencing a server is the engine's.
import type { ClusterRecord } from '../../../shared/cluster-record'

/** A record of any engine: marks are the same for all. */
type Fenceable = { fenced: string[] }

/** Marks the member fenced; the record itself when it is marked already. */
export const markFenced =
  (member: string) =>
  <C extends Fenceable>(c: C | undefined): C | undefined =>
    c && !c.fenced.includes(member) ? { ...c, fenced: [...c.fenced, member] } : c

/** Takes the member's mark away (no member: the record as it is). */
export const unmarkFenced =
  (member: string | undefined) =>
  <C extends Fenceable>(c: C | undefined): C | undefined =>
    c && member ? { ...c, fenced: c.fenced.filter((m) => m !== member) } : c

/** The record as stored marks the member fenced. */
export const isFenced = (cluster: ClusterRecord, member: string): boolean => cluster.fenced.includes(member)

/** The fenced members of every cluster as last published: memory, asked on every status event. */
export class FenceMarks {
  private readonly byCluster = new Map<string, readonly string[]>()

  /** Takes the marks of the records just published (replacing all earlier ones). */
  follow(clusters: readonly ClusterRecord[]): void {
    this.byCluster.clear()
    for (const c of clusters) if (c.fenced.length) this.byCluster.set(c.id, c.fenced)
  }

  readonly of = (cluster: string): readonly string[] => this.byCluster.get(cluster) ?? []
}
