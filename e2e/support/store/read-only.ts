// Test support: makes a folder read-only for real. As root (who ignores file modes) with a
// read-only bind mount of the folder onto itself (EROFS); otherwise by its mode (EACCES).
// Returns the undo.
import { execFileSync } from 'node:child_process'
import { chmod } from 'node:fs/promises'

export async function makeReadOnly(dir: string): Promise<() => Promise<void>> {
  if (process.getuid?.() === 0) {
    execFileSync('mount', ['--bind', dir, dir])
    try {
      execFileSync('mount', ['-o', 'remount,bind,ro', dir])
    } catch (err) {
      execFileSync('umount', [dir])
      throw err
    }
    return async () => {
      execFileSync('umount', [dir])
    }
  }
  await chmod(dir, 0o500)
  return () => chmod(dir, 0o700)
}
