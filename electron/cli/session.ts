// Where a CLI command runs: in a running instance of the same data dir (warm connections, a
// single writer), or in a core started in this process.
import type { Reply } from '../../shared/wire'
import { readInstanceFile } from '../server/instance-file'

/** Pseudo event a session sends its listeners when its instance connection is gone (payload: ErrorData). */
export const TRANSPORT_CLOSED = 'transportClosed'

export interface CliSession {
  kind: 'instance' | 'standalone'
  call(method: string, input: unknown): Promise<Reply>
  onEvent(listener: (name: string, payload: unknown) => void): () => void
  close(): Promise<void>
}

/** `live`: collect status in this process too (for --watch without a running instance). */
export async function openSession(dataDir: string, opts: { live?: boolean } = {}): Promise<CliSession> {
  const instance = await readInstanceFile(dataDir)
  // Loaded only on the path taken: a cold CLI never pays for the WebSocket client, nor a
  // client of an instance for the whole core.
  if (instance) return (await import('./remote')).connectInstance(instance)
  const { createCore } = await import('../core/core')
  const core = await createCore({ dataDir, live: opts.live })
  return {
    kind: 'standalone',
    call: (method, input) => core.dispatch(method, input),
    onEvent: (listener) => core.events.subscribe(listener),
    close: () => core.close(),
  }
}
