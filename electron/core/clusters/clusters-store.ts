// Cluster records in clusters.json: what the user told ReplicaDesk (members, settings),
// never who is primary. Locked read-modify-write, like the host records; clusters.json.prev
// keeps the version before the last change, and a damaged file is refused, never replaced.
// The file holds the records of every engine; `list`/`find`/`get`/`update` are the PostgreSQL
// records (most of the core acts on those), `listAll`/`findAny`/`updateAny` every record.
import { join } from 'node:path'
import { z } from 'zod'
import { AppError } from '../../../shared/errors'
import { clusterRecord, isPostgres, type ClusterRecord } from '../../../shared/cluster-record'
import type { PgCluster } from '../../../shared/postgres'
import { readDocument, writeDocument, type JsonDocument } from '../store/json-file'
import { withLock } from '../store/lock'

/** A change of one record: what it becomes given what it is (undefined: none yet / removed). */
export type RecordChange = (current: PgCluster | undefined) => PgCluster | undefined
export type AnyRecordChange = (current: ClusterRecord | undefined) => ClusterRecord | undefined

const notFound = (id: string) => new AppError('not_found', `There is no cluster named "${id}". Run \`replicadesk cluster list\` to see the clusters.`, { field: 'cluster' })

export class ClustersStore {
  private readonly doc: JsonDocument<ClusterRecord[]>

  constructor(private readonly dataDir: string) {
    this.doc = { file: join(dataDir, 'clusters.json'), version: 1, schema: z.array(clusterRecord), empty: () => [], keepPrevious: true }
  }

  /** Every record, of every engine. */
  listAll(): Promise<ClusterRecord[]> {
    return readDocument(this.doc)
  }

  /** The PostgreSQL records. */
  async list(): Promise<PgCluster[]> {
    return (await this.listAll()).filter(isPostgres)
  }

  async findAny(id: string): Promise<ClusterRecord | null> {
    return (await this.listAll()).find((c) => c.id === id) ?? null
  }

  async getAny(id: string): Promise<ClusterRecord> {
    const found = await this.findAny(id)
    if (!found) throw notFound(id)
    return found
  }

  /** The PostgreSQL record, or null when there is none; a store that cannot be read throws its own error (file, what to do). */
  async find(id: string): Promise<PgCluster | null> {
    return (await this.list()).find((c) => c.id === id) ?? null
  }

  async get(id: string): Promise<PgCluster> {
    const found = await this.find(id)
    if (!found) throw notFound(id)
    return found
  }

  /** Applies `change` to the PostgreSQL record (undefined: none yet) and stores what it returns (undefined: remove). */
  async update(id: string, change: RecordChange): Promise<PgCluster | undefined> {
    return (await this.updateAny(id, (current) => {
      if (current && !isPostgres(current)) throw new AppError('conflict', `The cluster name "${id}" is taken by a ${current.engine === 'mariadb' ? 'MariaDB' : 'another'} cluster. Choose another name.`, { field: 'cluster' })
      return change(current)
    })) as PgCluster | undefined
  }

  /** Applies `change` to the record of any engine and stores what it returns (undefined: remove). */
  updateAny(id: string, change: AnyRecordChange): Promise<ClusterRecord | undefined> {
    return withLock(this.dataDir, 'clusters', async () => {
      const all = await this.listAll()
      const current = all.find((c) => c.id === id)
      const next = change(current)
      const rest = all.filter((c) => c.id !== id)
      await writeDocument(this.doc, next ? [...rest, clusterRecord.parse(next)] : rest)
      return next
    })
  }
}
