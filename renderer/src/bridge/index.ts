// The one way the renderer reaches the core. createBridge() picks the Electron preload when
// this page runs in the desktop window, else the WebSocket of the headless server that served
// it; nothing outside this folder knows which.
import { createClient, type ContractClient } from '../../../shared/client'
import { alwaysConnected, type ConnectionSource } from './connection'
import { createPreloadTransport, findPreloadApi } from './preload'
import { probeServer, socketUrlFor, WebSocketTransport } from './websocket'

export type { ConnectionProblem, ConnectionSource, ConnectionState, ConnectionStatus } from './connection'

export interface Bridge {
  client: ContractClient
  connection: ConnectionSource
}

export function createBridge(scope: Window = window): Bridge {
  const preload = findPreloadApi(scope)
  if (preload) return { client: createClient(createPreloadTransport(preload)), connection: alwaysConnected() }

  const pageUrl = scope.location.href
  const transport = new WebSocketTransport({ url: socketUrlFor(pageUrl), probe: () => probeServer(pageUrl) }).start()
  return { client: createClient(transport), connection: transport }
}
