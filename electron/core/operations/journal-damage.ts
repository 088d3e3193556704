// A journal file that cannot be read (truncated, wrong shape, from a newer ReplicaDesk, not a
// file): what the user sees instead of the operation silently disappearing. The file is left
// as it is; what can still be read from its start (cluster, title, last status) is shown, with
// the file's path and what to do.
import { AppError } from '../../../shared/errors'
import type { OperationSummary } from '../../../shared/operations'
import { readBoundedText } from '../store/bounded-read'
import { MAX_DOCUMENT_BYTES } from '../store/json-file'

export interface Salvaged {
  kind?: string
  clusterId?: string
  title?: string
  status?: string
}

export interface DamagedJournal {
  id: string
  file: string
  /** store_corrupt / store_version / store_unavailable, with the journal's own advice. */
  error: AppError
  salvaged: Salvaged
  /** The file's modification time. */
  updatedAt: string
}

const STORE_CODES = new Set(['store_corrupt', 'store_version', 'store_unavailable'])

/** The error a damaged journal file gives, in the journal's words; undefined for other errors. */
export function asDamaged(err: unknown, id: string, file: string, salvaged: Salvaged = {}): AppError | undefined {
  if (!(err instanceof AppError) || !STORE_CODES.has(err.code)) return undefined
  if (err.code === 'store_version') return err
  const problem = (err.detail as { problem?: string } | undefined)?.problem ?? err.message
  const cluster = salvaged.clusterId ? `replicadesk status ${salvaged.clusterId}` : 'replicadesk status CLUSTER'
  return new AppError(
    err.code,
    `The journal of operation ${id} (${file}) cannot be read: ${problem}. ReplicaDesk cannot resume or abandon the operation from it and left the file as it is. Check the cluster (\`${cluster}\`) and finish or undo by hand what the operation did (the file shows its steps as far as it goes); restore the file from a backup if you have one. Once the cluster is as it should be, move the file away (mv ${file} ${file}.damaged) to take it off the list.`,
    { id, file, problem, cause: err.toData() },
  )
}

// JSON.stringify writes a record's fields in schema order: id, kind, clusterId, title, status
// come first, so even a badly truncated file usually still names them.
const FIELDS = ['kind', 'clusterId', 'title', 'status'] as const

/** The leading plain fields that can still be read from a damaged file (best effort, never throws). */
export async function salvage(file: string): Promise<Salvaged> {
  let text: string | undefined
  try {
    text = await readBoundedText(file, { maxBytes: MAX_DOCUMENT_BYTES })
  } catch {
    return {} // not a file at all: nothing to salvage, the error says why
  }
  const out: Salvaged = {}
  for (const field of FIELDS) {
    const m = new RegExp(`"${field}":\\s*("(?:[^"\\\\\\n]|\\\\.){0,400}")`).exec(text ?? '')
    if (!m) continue
    try {
      out[field] = String(JSON.parse(m[1]!)).slice(0, 200)
    } catch {
      // a cut escape sequence: leave the field out
    }
  }
  return out
}

/** `20250612-101500-create-replica-3fa9` → 2025-06-12T10:15:00.000Z */
function startedFromId(id: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-/.exec(id)
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.000Z` : new Date(0).toISOString()
}

/**
 * How a damaged journal shows in `operation list`: status failed (it needs the user), the
 * title and error saying it is damaged and what to do, cluster and kind as far as readable.
 */
export function damagedSummary(d: DamagedJournal): OperationSummary {
  const { salvaged } = d
  const kindFromId = /^\d{8}-\d{6}-(.+)-[0-9a-f]{4,16}$/.exec(d.id)?.[1] ?? 'unknown'
  const was = salvaged.status ? `, last known status ${salvaged.status}` : ''
  return {
    id: d.id,
    kind: /^[a-z][a-z0-9-]{0,40}$/.test(salvaged.kind ?? '') ? salvaged.kind! : kindFromId,
    clusterId: salvaged.clusterId ?? '',
    title: `DAMAGED JOURNAL ${d.file}: ${salvaged.title ?? 'operation'}${was}`,
    status: 'failed',
    params: undefined,
    members: [],
    steps: [],
    error: d.error.toData(),
    instanceId: 'unknown',
    createdAt: startedFromId(d.id),
    updatedAt: d.updatedAt,
  }
}
