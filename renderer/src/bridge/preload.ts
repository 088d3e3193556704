// The desktop transport: the functions the Electron preload put on `window.replicadesk`,
// one per contract method. IPC lives as long as the window, so there is no connection state.
import type { Transport } from '../../../shared/client'
import { findMethod } from '../../../shared/contract'
import type { PreloadApi } from '../../../shared/preloadApi'
import { preloadGlobalName } from '../../../shared/preloadApi'
import { replySchema, type Reply } from '../../../shared/wire'

/** The preload's object, if this page runs in the ReplicaDesk window. */
export function findPreloadApi(scope: object = globalThis): PreloadApi | undefined {
  const candidate: unknown = (scope as Record<string, unknown>)[preloadGlobalName]
  if (typeof candidate !== 'object' || candidate === null) return undefined
  if (typeof (candidate as { onEvent?: unknown }).onEvent !== 'function') return undefined
  return candidate as PreloadApi
}

export function createPreloadTransport(api: PreloadApi): Transport {
  const functions = api as unknown as Record<string, Record<string, unknown> | undefined>
  return {
    async call(method: string, input: unknown): Promise<Reply> {
      const entry = findMethod(method)
      const fn = entry ? functions[entry.noun]?.[entry.verb] : undefined
      if (typeof fn !== 'function') {
        return { ok: false, error: { code: 'unknown_method', message: `The desktop bridge has no method ${method}.` } }
      }
      let raw: unknown
      try {
        raw = await (fn as (input: unknown) => Promise<unknown>)(input)
      } catch (err) {
        return {
          ok: false,
          error: { code: 'transport', message: `${method} did not reach the ReplicaDesk core: ${(err as Error).message}` },
        }
      }
      const reply = replySchema.safeParse(raw)
      if (!reply.success) {
        return { ok: false, error: { code: 'internal', message: `The desktop bridge sent a malformed reply to ${method}.` } }
      }
      return reply.data
    },
    onEvent: (listener) => api.onEvent(listener),
  }
}
