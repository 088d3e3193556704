// Cluster records in clusters.json: what the user told ReplicaDesk (members, settings),
// never who is primary. Locked read-modify-write, like the host records; clusters.json.prev
// keeps the version before the last change, and a damaged file is refused, never replaced.
import { join } from 'node:path'
import { z } from 'zod'
import { AppError } from '../../../shared/errors'
import { pgCluster, type PgCluster } from '../../../shared/postgres'
import { readDocument, writeDocument, type JsonDocument } from '../store/json-file'
import { withLock } from '../store/lock'

/** A change of one record: what it becomes given what it is (undefined: none yet / removed). */
export type RecordChange = (current: PgCluster | undefined) => PgCluster | undefined

export class ClustersStore {
  private readonly doc: JsonDocument<PgCluster[]>

  constructor(private readonly dataDir: string) {
    this.doc = { file: join(dataDir, 'clusters.json'), version: 1, schema: z.array(pgCluster), empty: () => [], keepPrevious: true }
  }

  list(): Promise<PgCluster[]> {
    return readDocument(this.doc)
  }

  /** The record, or null when there is none; a store that cannot be read throws its own error (file, what to do). */
  async find(id: string): Promise<PgCluster | null> {
    return (await this.list()).find((c) => c.id === id) ?? null
  }

  async get(id: string): Promise<PgCluster> {
    const found = await this.find(id)
    if (!found) throw new AppError('not_found', `There is no cluster named "${id}". Run \`replicadesk cluster list\` to see the clusters.`, { field: 'cluster' })
    return found
  }

  /** Applies `change` to the record (undefined: none yet) and stores what it returns (undefined: remove). */
  update(id: string, change: RecordChange): Promise<PgCluster | undefined> {
    return withLock(this.dataDir, 'clusters', async () => {
      const all = await this.list()
      const current = all.find((c) => c.id === id)
      const next = change(current)
      const rest = all.filter((c) => c.id !== id)
      await writeDocument(this.doc, next ? [...rest, pgCluster.parse(next)] : rest)
      return next
    })
  }
}
