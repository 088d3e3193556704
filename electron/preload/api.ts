// Builds the object the preload exposes, from the contract: one function per method, each
// bound to that method's channel, so the renderer cannot reach any other channel.
import { ipcChannel, ipcEventChannel, isEventName, methodEntries } from '../../shared/contract'
import type { PreloadApi } from '../../shared/preloadApi'
import type { Reply } from '../../shared/wire'

/** The part of Electron's ipcRenderer we use (injected, so tests can pass a fake). */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown
}

export function buildPreloadApi(ipc: IpcRendererLike): PreloadApi {
  const api: Record<string, unknown> = {}
  for (const entry of methodEntries) {
    const noun = (api[entry.noun] ??= {}) as Record<string, unknown>
    noun[entry.verb] = (input: unknown) => ipc.invoke(ipcChannel(entry.id), input) as Promise<Reply>
  }
  api.onEvent = (listener: (name: string, payload: unknown) => void) => {
    // Only contract events pass, and the IPC event object (with its sender) never reaches the page.
    const relay = (_event: unknown, frame: unknown) => {
      const { name, payload } = (frame ?? {}) as { name?: unknown; payload?: unknown }
      if (typeof name === 'string' && isEventName(name)) listener(name, payload)
    }
    ipc.on(ipcEventChannel, relay)
    return () => void ipc.removeListener(ipcEventChannel, relay)
  }
  return api as PreloadApi
}
