// Runs sandboxed in the window before the page: exposes the contract client and nothing else.
import { contextBridge, ipcRenderer } from 'electron'
import { preloadGlobalName } from '../../shared/preloadApi'
import { buildPreloadApi } from './api'

contextBridge.exposeInMainWorld(preloadGlobalName, buildPreloadApi(ipcRenderer))
