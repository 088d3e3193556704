// Versioned JSON documents in the data dir: written atomically (temp file + rename), parsed
// with a schema when read back. A damaged or too-new file is an error that names the file,
// what is wrong and how to restore it; it is left in place, untouched, and never written over
// (every write is a read-modify-write whose read fails first), so nothing in it is lost.
import { randomBytes } from 'node:crypto'
import { copyFile, mkdir, open, rename, stat, unlink } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { z } from 'zod'
import { AppError } from '../../../shared/errors'
import { FileProblem, readBoundedText } from './bounded-read'
import { storeAccessError } from './fs-errors'

export interface JsonDocument<T> {
  file: string
  version: number
  schema: z.ZodType<T>
  empty: () => T
  /** Before each write, keep the current file as `<file>.prev` (a restore point for the inventory). */
  keepPrevious?: boolean
}

/** Far beyond any inventory or journal; a bigger file is not ours. */
export const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024

export const previousOf = (file: string) => `${file}.prev`

type Parsed<T> = { ok: true; data: T } | { ok: false; problem: string; version?: number; issues?: unknown }

function parse<T>(doc: JsonDocument<T>, text: string): Parsed<T> {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    const message = (err as Error).message
    if (text.trim() === '') return { ok: false, problem: 'it is empty' }
    // The parser stopped at the end of the text: the file was cut short, not garbled.
    const at = /at position (\d+)/.exec(message)
    const cut = /end of (JSON )?input|Unterminated/i.test(message) || (at !== null && Number(at[1]) >= text.trimEnd().length)
    return { ok: false, problem: `${cut ? 'it ends in the middle (truncated)' : 'it is not valid JSON'}: ${message}` }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, problem: 'it is not a ReplicaDesk document (no {"version", "data"} object)' }
  const version = (raw as { version?: unknown }).version
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) return { ok: false, problem: 'it has no valid "version" field' }
  if (version > doc.version) return { ok: false, problem: 'newer', version }
  if (version !== doc.version) return { ok: false, problem: `its format ${version} is older than any this ReplicaDesk reads (${doc.version})`, version }
  const parsed = doc.schema.safeParse((raw as { data?: unknown }).data)
  if (!parsed.success) {
    const first = parsed.error.issues[0]
    const where = first?.path.length ? `data.${first.path.join('.')}` : 'data'
    return { ok: false, problem: `its content does not have the expected shape (${where}: ${first?.message ?? 'invalid'}${parsed.error.issues.length > 1 ? `, and ${parsed.error.issues.length - 1} more` : ''})`, issues: parsed.error.issues.slice(0, 10) }
  }
  return { ok: true, data: parsed.data }
}

/** How to get a good file back: the restore point when it is itself readable, else a backup. */
async function restoreHint<T>(doc: JsonDocument<T>): Promise<{ text: string; previous?: string }> {
  const prev = previousOf(doc.file)
  const moveAway = `to start over without it, move it away (mv ${doc.file} ${doc.file}.damaged)`
  try {
    const text = await readBoundedText(prev, { maxBytes: MAX_DOCUMENT_BYTES })
    if (text !== undefined && parse(doc, text).ok) {
      const saved = (await stat(prev)).mtime.toISOString()
      return { text: `copy back the version saved before the last change (cp ${prev} ${doc.file}, from ${saved}), or a copy from your backups; or ${moveAway}.`, previous: prev }
    }
  } catch {
    // no usable restore point: say what else there is
  }
  return { text: `put back a copy from your backups, or repair it by hand; or ${moveAway}.` }
}

function unreadableFix(p: FileProblem): string {
  if (p.kind !== 'unreadable') return 'It is not a file ReplicaDesk wrote: move it away, put the file back from a backup if you have one, then try again.'
  if (p.errno === 'ENOTDIR') return 'A file stands where a folder of that path should be: move it away, then try again.'
  if (p.errno === 'EACCES' || p.errno === 'EPERM') return 'Check the owner and mode of the file and its folder (ls -l), then try again.'
  return 'Fix that, then try again.'
}

export async function readDocument<T>(doc: JsonDocument<T>): Promise<T> {
  let text: string | undefined
  try {
    text = await readBoundedText(doc.file, { maxBytes: MAX_DOCUMENT_BYTES })
  } catch (err) {
    if (!(err instanceof FileProblem)) throw err
    throw new AppError('store_unavailable', `${err.message}. ReplicaDesk did not touch it. ${unreadableFix(err)}`, { file: doc.file, problem: err.kind, errno: err.errno })
  }
  if (text === undefined) return doc.empty()
  const r = parse(doc, text)
  if (r.ok) return r.data
  if (r.problem === 'newer') {
    throw new AppError('store_version', `${doc.file} was written by a newer ReplicaDesk (format ${r.version}; this one reads format ${doc.version}). It was left as it is and will not be written by this version. Update ReplicaDesk to use it.`, { file: doc.file, version: r.version })
  }
  const hint = await restoreHint(doc)
  throw new AppError(
    'store_corrupt',
    `${doc.file} is damaged: ${r.problem}. ReplicaDesk left it as it is and will not write to it, so nothing more is lost. To restore it, ${hint.text}`,
    { file: doc.file, problem: r.problem, previous: hint.previous, issues: r.issues },
  )
}

export async function writeDocument<T>(doc: JsonDocument<T>, data: T): Promise<void> {
  const temp = `${doc.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  try {
    await mkdir(dirname(doc.file), { recursive: true, mode: 0o700 })
    const handle = await open(temp, 'wx', 0o600)
    try {
      await handle.writeFile(JSON.stringify({ version: doc.version, data }, null, 2) + '\n')
      await handle.sync() // the rename must never publish a file whose bytes are not on disk
    } finally {
      await handle.close()
    }
    if (doc.keepPrevious) {
      await copyFile(doc.file, previousOf(doc.file)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err
      })
    }
    await rename(temp, doc.file)
  } catch (err) {
    await unlink(temp).catch(() => undefined) // may not exist: the failure came first
    throw storeAccessError(doc.file, err, `Saving ${doc.file}`)
  }
}
