// Registers every contract method on ipcMain through one wrapper: the sender must be the top
// frame of our own window, and the input is parsed by the core's dispatch.
import { ipcChannel, ipcEventChannel, methodEntries } from '../../shared/contract'
import { AppError } from '../../shared/errors'
import type { Reply } from '../../shared/wire'
import type { Dispatch } from '../core/dispatch'
import type { CoreEvents } from '../core/events'

export interface SenderFrame {
  url: string
  /** The top-level frame of the page; a sub-frame's differs from the frame itself. */
  top: SenderFrame | null
}

export interface IpcMainLike {
  handle(channel: string, handler: (event: { senderFrame: SenderFrame | null }, input: unknown) => Promise<Reply>): void
  removeHandler(channel: string): void
}

export interface WebContentsLike {
  send(channel: string, ...args: unknown[]): void
  isDestroyed(): boolean
}

/** True for the top-level frame of a page loaded from our own origin (app:// or the dev server). */
export function trustedSender(allowedOrigins: readonly string[]) {
  return (frame: SenderFrame | null): boolean => {
    if (!frame || frame.top !== frame) return false
    try {
      // Not URL.origin: for a custom scheme like app:// Node reports the origin as "null".
      const url = new URL(frame.url)
      return allowedOrigins.includes(`${url.protocol}//${url.host}`)
    } catch {
      return false
    }
  }
}

export function registerContract(ipcMain: IpcMainLike, dispatch: Dispatch, isTrusted: (frame: SenderFrame | null) => boolean): () => void {
  const refused: Reply = {
    ok: false,
    error: new AppError('unauthorized', 'This request did not come from the ReplicaDesk window.').toData(),
  }
  for (const entry of methodEntries) {
    ipcMain.handle(ipcChannel(entry.id), async (event, input) => (isTrusted(event.senderFrame) ? dispatch(entry.id, input) : refused))
  }
  return () => methodEntries.forEach((entry) => ipcMain.removeHandler(ipcChannel(entry.id)))
}

export function forwardEvents(events: CoreEvents, target: WebContentsLike): () => void {
  return events.subscribe((name, payload) => {
    if (!target.isDestroyed()) target.send(ipcEventChannel, { name, payload })
  })
}
