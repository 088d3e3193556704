// Filesystem failures in the data dir, said in words: which path, what is wrong with it and
// what the user can do, instead of "Internal error: EROFS".
import { AppError } from '../../../shared/errors'

const advice: Record<string, (path: string) => string> = {
  EROFS: (p) => `${p} is on a read-only file system. Make the data dir writable, or use another one (--data-dir or REPLICADESK_DATA_DIR); reading (host list, status) works on a read-only data dir.`,
  EACCES: (p) => `permission denied on ${p}. Check the owner and mode of the data dir (ls -ld); it must be writable by the user running ReplicaDesk.`,
  EPERM: (p) => `the operation is not permitted on ${p}. Check the owner, mode and attributes of the data dir (ls -ld, lsattr).`,
  ENOSPC: (p) => `the disk holding ${p} is full. Free some space, then try again.`,
  EDQUOT: (p) => `the disk quota for ${p} is used up. Free some space, then try again.`,
  EISDIR: (p) => `${p} is a folder where ReplicaDesk keeps a file. Move that folder away (it is not something ReplicaDesk made), then try again.`,
  ENOTDIR: (p) => `a part of ${p} is a file where ReplicaDesk expects a folder. Move that file away, or use another data dir.`,
  EEXIST: (p) => `${p} exists already and is not what ReplicaDesk expects there. Move it away, then try again.`,
  EIO: (p) => `input/output error on ${p} (a failing disk?). Check the disk, then try again.`,
}

/** `doing`: what was attempted, as a sentence start ("Saving hosts.json"). Nothing was changed unless the message says so. */
export function storeAccessError(path: string, err: unknown, doing: string): AppError {
  if (err instanceof AppError) return err
  const code = (err as NodeJS.ErrnoException).code
  const message = (err as Error).message ?? String(err)
  const why = code && advice[code] ? advice[code](path) : message.includes(path) ? `${message}. Move it away, then try again.` : `${message} (on ${path}).`
  return new AppError('store_unavailable', `${doing} failed: ${why}`, { path, errno: code })
}

/** Errors that mean "this data dir cannot be written" (as opposed to a damaged file). */
export function isReadOnlyError(err: unknown): boolean {
  const code = err instanceof AppError ? (err.detail as { errno?: string } | undefined)?.errno : (err as NodeJS.ErrnoException | undefined)?.code
  return code === 'EROFS' || code === 'EACCES' || code === 'EPERM'
}
