// How the user started this CLI, so that a printed hint works when pasted: `npm run cli --`,
// `npx replicadesk`, `node …/replicadesk.mjs` or the linked `replicadesk`, with the options that
// chose this data dir.
import { basename } from 'node:path'

export function invokedAs(env: NodeJS.ProcessEnv = process.env, script = process.argv[1] ?? ''): string {
  if (env.npm_lifecycle_event === 'cli') return 'npm run cli --'
  if (env.npm_command === 'exec') return 'npx replicadesk'
  const name = basename(script)
  if (name === 'replicadesk') return 'replicadesk'
  if (/\.(c|m)?js$/.test(name)) return `node ${script}`
  return 'replicadesk'
}

const shellWord = (w: string) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)

/** A full command to paste: the invocation, the words, and --data-dir when the user gave one. */
export function pasteable(invocation: string, words: string[], dataDir?: string): string {
  return [invocation, ...words.map(shellWord), ...(dataDir ? ['--data-dir', shellWord(dataDir)] : [])].join(' ')
}
