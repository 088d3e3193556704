// The operation journal: one JSON file per operation in <dataDir>/operations/, written
// atomically and under a per-operation lock, so the process running it, a crash sweep in a
// newly started instance and the CLI never lose each other's updates. It records what was
// attempted; it never decides who is primary.
import { randomBytes } from 'node:crypto'
import { mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { AppError } from '../../../shared/errors'
import { operationId, operationSummary, stepSummary, type OperationSummary } from '../../../shared/operations'
import { readDocument, writeDocument, type JsonDocument } from '../store/json-file'
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
    await mkdir(this.dir, { recursive: true, mode: 0o700 })
    await withLock(this.dataDir, this.lockName(record.id), async () => {
      if (await readDocument(this.doc(record.id))) throw new AppError('conflict', `Operation ${record.id} exists already.`)
      await writeDocument(this.doc(record.id), operationRecord.parse(record))
    })
  }

  async read(id: string): Promise<OperationRecord> {
    const record = await readDocument(this.doc(id))
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

  /** Every readable operation, newest first. A corrupt file is moved aside by the reader and left out. */
  async list(): Promise<OperationRecord[]> {
    let names: string[]
    try {
      names = await readdir(this.dir)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw err
    }
    const ids = names
      .filter((n) => n.endsWith('.json'))
      .map((n) => n.slice(0, -'.json'.length))
      .filter((id) => operationId.safeParse(id).success)
      .sort()
      .reverse()
    const records = await Promise.all(
      ids.map((id) =>
        readDocument(this.doc(id)).catch((err: unknown) => {
          if (err instanceof AppError && (err.code === 'store_corrupt' || err.code === 'store_version')) return null
          throw err
        }),
      ),
    )
    return records.filter((r): r is OperationRecord => r !== null)
  }

  private doc(id: string): JsonDocument<OperationRecord | null> {
    if (!operationId.safeParse(id).success) throw new AppError('invalid_input', `"${id}" is not an operation id.`)
    return { file: join(this.dir, `${id}.json`), version: JOURNAL_VERSION, schema: operationRecord.nullable(), empty: () => null }
  }

  private lockName(id: string): string {
    return join('operations', id)
  }
}
