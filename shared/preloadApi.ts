// The shape of `window.replicadesk` that the preload exposes: one function per contract
// method (no generic invoke), each resolving to a Reply, and one event subscription.
import type { Methods } from './contract'
import type { Reply } from './wire'

export type PreloadApi = {
  [N in keyof Methods]: { [V in keyof Methods[N]]: (input: unknown) => Promise<Reply> }
} & {
  onEvent(listener: (name: string, payload: unknown) => void): () => void
}

export const preloadGlobalName = 'replicadesk'
