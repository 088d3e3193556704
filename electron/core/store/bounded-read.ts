// Reads a small local file that someone else may have put anything at: key files, known_hosts,
// ~/.ssh/config, the data dir's JSON files. Only a regular file of bounded size is read; the
// path is stat'ed first (never an open of /dev/zero, a FIFO or a folder), opened non-blocking
// (a FIFO swapped in meanwhile cannot stall a libuv thread) and checked again on the handle.
// Every refusal says which path and what is wrong with it.
import { constants, fstatSync, openSync, readSync, closeSync, statSync, type Stats } from 'node:fs'
import { open, stat } from 'node:fs/promises'

export type FileProblemKind = 'not_a_file' | 'too_large' | 'unreadable'

/** A path that could not be read as a small regular file. `message` names the path and the problem. */
export class FileProblem extends Error {
  constructor(
    readonly path: string,
    readonly kind: FileProblemKind,
    /** The short reason without the path, e.g. "is a named pipe (FIFO), not a regular file". */
    readonly why: string,
    readonly errno?: string,
  ) {
    super(`${path} ${why}`)
    this.name = 'FileProblem'
  }
}

export interface BoundedReadOptions {
  /** Refuse files larger than this many bytes. */
  maxBytes: number
}

// O_NONBLOCK does not exist on Windows, where FIFOs are not files anyway.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0)

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder'
  if (st.isFIFO()) return 'a named pipe (FIFO)'
  if (st.isCharacterDevice()) return 'a character device'
  if (st.isBlockDevice()) return 'a block device'
  if (st.isSocket()) return 'a socket'
  return 'not a plain file'
}

function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : bytes >= 1024 ? `${Math.round(bytes / 1024)} kB` : `${bytes} bytes`
}

function checkStats(path: string, st: Stats, maxBytes: number): void {
  if (!st.isFile()) throw new FileProblem(path, 'not_a_file', `is ${kindOf(st)}, not a regular file`)
  if (st.size > maxBytes) throw new FileProblem(path, 'too_large', `is ${st.size} bytes, more than the ${sizeText(maxBytes)} such a file can sensibly be`)
}

const errnoWhy: Record<string, string> = {
  EACCES: 'cannot be read: permission denied',
  EPERM: 'cannot be read: operation not permitted',
  ENOTDIR: 'cannot be read: a part of its path is a file, not a folder',
  ELOOP: 'cannot be read: too many symbolic links (a loop?)',
  ENAMETOOLONG: 'cannot be read: the path is too long',
  EIO: 'cannot be read: input/output error (a failing disk?)',
}

function unreadable(path: string, err: unknown): FileProblem {
  const code = (err as NodeJS.ErrnoException).code
  return new FileProblem(path, 'unreadable', (code && errnoWhy[code]) ?? `cannot be read (${code ?? (err as Error).message})`, code)
}

/** The file's bytes; undefined when it does not exist. Throws FileProblem for anything else. */
export async function readBoundedFile(path: string, opts: BoundedReadOptions): Promise<Buffer | undefined> {
  let st: Stats
  try {
    st = await stat(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw unreadable(path, err)
  }
  checkStats(path, st, opts.maxBytes)
  let handle
  try {
    handle = await open(path, OPEN_FLAGS)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw unreadable(path, err)
  }
  try {
    // Checked again on what was opened: the path may have been swapped since the stat.
    const now = await handle.stat()
    checkStats(path, now, opts.maxBytes)
    return await readAll(path, now.size, opts.maxBytes, (buf, at) => handle.read(buf, at, buf.length - at, at).then((r) => r.bytesRead))
  } catch (err) {
    if (err instanceof FileProblem) throw err
    throw unreadable(path, err)
  } finally {
    await handle.close()
  }
}

// Reads to the end (a file may grow after its stat), never past maxBytes + 1.
async function readAll(path: string, size: number, maxBytes: number, read: (buf: Buffer, at: number) => Promise<number>): Promise<Buffer> {
  let buf = Buffer.alloc(Math.min(size, maxBytes) + 1)
  let got = 0
  for (;;) {
    if (got === buf.length) buf = Buffer.concat([buf, Buffer.alloc(Math.min(buf.length, maxBytes + 1 - got))])
    const n = await read(buf, got)
    if (n === 0) break
    got += n
    if (got > maxBytes) throw new FileProblem(path, 'too_large', `grew past ${sizeText(maxBytes)} while it was read`)
  }
  return buf.subarray(0, got)
}

/** The same, as text (UTF-8). */
export async function readBoundedText(path: string, opts: BoundedReadOptions): Promise<string | undefined> {
  return (await readBoundedFile(path, opts))?.toString('utf8')
}

/** Synchronous form for the CLI's thin path (no event loop to protect, but no FIFO may stall it). */
export function readBoundedTextSync(path: string, opts: BoundedReadOptions): string | undefined {
  let st: Stats
  try {
    st = statSync(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw unreadable(path, err)
  }
  checkStats(path, st, opts.maxBytes)
  let fd: number
  try {
    fd = openSync(path, OPEN_FLAGS)
  } catch (err) {
    throw unreadable(path, err)
  }
  try {
    const now = fstatSync(fd)
    checkStats(path, now, opts.maxBytes)
    let buf = Buffer.alloc(Math.min(now.size, opts.maxBytes) + 1)
    let got = 0
    for (;;) {
      if (got === buf.length) buf = Buffer.concat([buf, Buffer.alloc(Math.min(buf.length, opts.maxBytes + 1 - got))])
      const n = readSync(fd, buf, got, buf.length - got, got)
      if (n === 0) break
      got += n
      if (got > opts.maxBytes) throw new FileProblem(path, 'too_large', `grew past ${sizeText(opts.maxBytes)} while it was read`)
    }
    return buf.subarray(0, got).toString('utf8')
  } finally {
    closeSync(fd)
  }
}
