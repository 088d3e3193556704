// `<dataDir>/headless-session-path`: the session path of headless mode (see auth.ts), kept so
// that a page left open across a restart of the server gets back in once the user opens the new
// token URL. Not a secret (the token is); a damaged file is replaced with a fresh path.
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { isSessionPath, newSessionPath } from './auth'

export async function sessionPathOf(dataDir: string): Promise<string> {
  const file = join(dataDir, 'headless-session-path')
  try {
    const kept = (await readFile(file, 'utf8')).trim()
    if (isSessionPath(kept)) return kept
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`Cannot read ${file}: ${(err as Error).message}. Remove it; a new one is made at the next start.`)
  }
  const fresh = newSessionPath()
  await writeFile(file, fresh + '\n', { mode: 0o600 })
  return fresh
}
