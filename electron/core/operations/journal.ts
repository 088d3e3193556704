// The operation journal: one JSON file per operation in <dataDir>/operations/, written
// atomically and under a per-operation lock, so the process running it, a crash sweep in a
// newly started instance and the CLI never lose each other's updates. It records what was
// attempted; it never decides who is primary.
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { access, mkdir, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { AppError } from '../../../shared/errors'
import { operationId, operationSummary, stepSummary, type OperationSummary } from '../../../shared/operations'
import { storeAccessError } from '../store/fs-errors'
import { readDocument, writeDocument, type JsonDocument } from '../store/json-file'
import { asDamaged, salvage, type DamagedJournal } from './journal-damage'
import { withLock } from '../store/lock'

export const stepRecord = stepSummary.extend({
  /** This operation started the step's action at least once: abandon must undo it. */
  touched: z.boolean(),
  /** The process that last started the action. */
  pid: z.number().int().optional(),
})
export type StepRecord = z.infer<typeof stepRecord>

export const ownerRecord = z.object({
  instanceId: z.string(),
  hostname: z.string(),
  pid: z.number().int(),
  /** See process-identity.ts: tells a live owner from a reused pid. */
  startId: z.string(),
})
export type OwnerRecord = z.infer<typeof ownerRecord>

export const operationRecord = operationSummary.omit({ steps: true, instanceId: true }).extend({
  steps: z.array(stepRecord),
  owner: ownerRecord,
  /** 1 for the first run; each resume or abandon adds one. */
  attempts: z.number().int().min(1),
})
export type OperationRecord = z.infer<typeof operationRecord>

export const JOURNAL_VERSION = 1

export function toSummary(record: OperationRecord): OperationSummary {
  const { owner, attempts: _attempts, steps, ...rest } = record
  return {
    ...rest,
    instanceId: owner.instanceId,
    steps: steps.map(({ touched: _t, pid: _p, ...step }) => step),
  }
}

/** `20250612-101500-create-replica-3fa9` (UTC). */
export function newOperationId(kind: string, at = new Date()): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)
  return `${stamp}-${kind}-${randomBytes(3).toString('hex')}`
}

export class Journal {
  readonly dir: string

  constructor(private readonly dataDir: string) {
    this.dir = join(dataDir, 'operations')
  }

  async create(record: OperationRecord): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 }).catch((err: unknown) => {
      throw storeAccessError(this.dir, err, `Journaling operation ${record.id}`)
    })
    await withLock(this.dataDir, this.lockName(record.id), async () => {
      if (await readDocument(this.doc(record.id))) throw new AppError('conflict', `Operation ${record.id} exists already.`)
      await writeDocument(this.doc(record.id), operationRecord.parse(record))
    })
  }

  /** Fails with a clear store_unavailable when nothing can be journaled (a read-only data dir). */
  async assertWritable(): Promise<void> {
    const target = await access(this.dir).then(() => this.dir, () => this.dataDir)
    await access(target, constants.W_OK).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return // not made yet: create() makes it
      throw storeAccessError(target, err, 'Starting an operation (it must be journaled first)')
    })
  }

  async read(id: string): Promise<OperationRecord> {
    let record: OperationRecord | null
    try {
      record = await readDocument(this.doc(id))
    } catch (err) {
      if (!asDamaged(err, id, this.file(id))) throw err
      throw asDamaged(err, id, this.file(id), await salvage(this.file(id)))
    }
    if (!record) throw new AppError('not_found', `There is no operation ${id}. Run \`replicadesk operation list\` to see them.`, { id })
    return record
  }

  /** A locked read-modify-write of one operation. */
  async update(id: string, change: (record: OperationRecord) => OperationRecord): Promise<OperationRecord> {
    return withLock(this.dataDir, this.lockName(id), async () => {
      const next = operationRecord.parse({ ...change(await this.read(id)), updatedAt: new Date().toISOString() })
      await writeDocument(this.doc(id), next)
      return next
    })
  }

  /** Every readable operation, newest first (see scan for the damaged ones). */
  async list(): Promise<OperationRecord[]> {
    return (await this.scan()).records
  }

  /**
   * Every operation file, newest first: the readable ones, and the damaged ones (truncated,
   * wrong shape, from a newer ReplicaDesk, not a file) with what is wrong and what to do. A
   * damaged journal never just vanishes from the list: its operation may have left a cluster
   * half-changed. Damaged files are left as they are.
   */
  async scan(): Promise<{ records: OperationRecord[]; damaged: DamagedJournal[] }> {
    let names: string[]
    try {
      names = await readdir(this.dir)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], damaged: [] }
      throw storeAccessError(this.dir, err, 'Listing the operation journal')
    }
    const ids = names
      .filter((n) => n.endsWith('.json'))
      .map((n) => n.slice(0, -'.json'.length))
      .filter((id) => operationId.safeParse(id).success)
      .sort()
      .reverse()
    const records: OperationRecord[] = []
    const damaged: DamagedJournal[] = []
    for (const entry of await Promise.all(ids.map((id) => this.entry(id)))) {
      if ('record' in entry) {
        if (entry.record) records.push(entry.record)
      } else damaged.push(entry)
    }
    return { records, damaged }
  }

  private async entry(id: string): Promise<{ record: OperationRecord | null } | DamagedJournal> {
    const file = this.file(id)
    try {
      return { record: await readDocument(this.doc(id)) }
    } catch (err) {
      if (!asDamaged(err, id, file)) throw err
      const salvaged = await salvage(file)
      const updatedAt = await stat(file).then((s) => s.mtime.toISOString(), () => new Date().toISOString())
      return { id, file, error: asDamaged(err, id, file, salvaged)!, salvaged, updatedAt }
    }
  }

  private file(id: string): string {
    return join(this.dir, `${id}.json`)
  }

  private doc(id: string): JsonDocument<OperationRecord | null> {
    if (!operationId.safeParse(id).success) throw new AppError('invalid_input', `"${id}" is not an operation id.`)
    return { file: this.file(id), version: JOURNAL_VERSION, schema: operationRecord.nullable(), empty: () => null }
  }

  private lockName(id: string): string {
    return join('operations', id)
  }
}
