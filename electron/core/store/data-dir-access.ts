// Checks the data dir before the core uses it: a folder (created when missing), and whether it
// can be written. A read-only data dir is still read (host list, status); writes then fail
// with a message that says why.
import { constants } from 'node:fs'
import { access, mkdir, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import { AppError } from '../../../shared/errors'
import { storeAccessError } from './fs-errors'

export interface DataDirAccess {
  /** False on a read-only file system or without write permission: reads work, writes fail clearly. */
  writable: boolean
}

/**
 * Makes sure the data dir is a folder ReplicaDesk can use, creating it if missing. A file in
 * its place, or a parent that cannot be created, is a clear error; a read-only one is
 * accepted for reading (host list, status), and every write then says why it failed.
 */
export async function prepareDataDir(dir: string): Promise<DataDirAccess> {
  let st
  try {
    st = await stat(dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw storeAccessError(dir, err, `Opening the data dir ${dir}`)
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 })
    } catch (mkErr) {
      // Node's recursive mkdir says ENOENT where a parent cannot be written: name that parent.
      const parent = await nearestExisting(dirname(dir))
      const cause = (mkErr as NodeJS.ErrnoException).code === 'ENOENT' && parent ? await access(parent, constants.W_OK).then(() => mkErr, (e: unknown) => e) : mkErr
      throw storeAccessError(parent && cause !== mkErr ? parent : dir, cause, `Creating the data dir ${dir}`)
    }
    return { writable: true }
  }
  if (!st.isDirectory()) {
    throw new AppError('store_unavailable', `The data dir ${dir} is a file, not a folder. Move that file away, or choose another data dir with --data-dir or REPLICADESK_DATA_DIR.`, { path: dir, problem: 'not_a_folder' })
  }
  const writable = await access(dir, constants.W_OK).then(() => true, () => false)
  return { writable }
}

async function nearestExisting(path: string): Promise<string | undefined> {
  for (let p = path; ; p = dirname(p)) {
    if (await stat(p).then(() => true, () => false)) return p
    if (dirname(p) === p) return undefined
  }
}
