// The Electron shell: one window, the app:// protocol, IPC wiring and the local channel for
// the CLI. Everything that matters lives in electron/core and is tested in plain Node.
import { join } from 'node:path'
import { app, BrowserWindow, ipcMain, net, protocol, safeStorage, shell } from 'electron'
import { createCore } from '../core/core'
import { resolveDataDir } from '../core/store/data-dir'
import { removeInstanceFile, writeInstanceFile } from '../server/instance-file'
import { startServer } from '../server/server'
import { appFileUrl, withAppHeaders } from './app-protocol'
import { makeOpenExternal } from './external-links'
import { forwardEvents, registerContract, trustedSender } from './ipc'
import { createSecretStore } from './secret-store'
import { appOrigin, appScheme, denyPermissions, harden, windowOptions } from './security'

protocol.registerSchemesAsPrivileged([{ scheme: appScheme, privileges: { standard: true, secure: true, supportFetchAPI: true } }])

function dataDirFlag(argv: string[]): string | undefined {
  const i = argv.indexOf('--data-dir')
  return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--data-dir='))?.slice('--data-dir='.length)
}

async function start(): Promise<void> {
  if (!app.requestSingleInstanceLock()) return app.quit()
  await app.whenReady()
  const rendererDir = join(import.meta.dirname, '..', 'renderer')
  const devUrl = process.env.ELECTRON_RENDERER_URL // set by `electron-vite dev` only
  const origins = devUrl ? [appOrigin, new URL(devUrl).origin] : [appOrigin]

  protocol.handle(appScheme, async (request) => {
    const url = appFileUrl(rendererDir, request.url)
    return withAppHeaders(url ? await net.fetch(url) : new Response('Not found', { status: 404 }))
  })

  const dataDir = resolveDataDir({ flag: dataDirFlag(process.argv), electronUserData: app.getPath('userData') })
  const core = await createCore({ dataDir, cipher: createSecretStore(safeStorage), live: true })
  registerContract(ipcMain, core.dispatch, trustedSender(origins))

  // The CLI on this data dir talks to us instead of opening the store itself.
  const channel = await startServer({ core, host: '127.0.0.1', port: 0 })
  await writeInstanceFile(dataDir, { pid: process.pid, wsUrl: channel.wsUrl, token: channel.token, kind: 'desktop', startedAt: new Date().toISOString() })

  const window = new BrowserWindow(windowOptions(join(import.meta.dirname, '..', 'preload', 'index.cjs')))
  harden(window.webContents, origins, makeOpenExternal((url) => shell.openExternal(url)), () => window.webContents.getURL())
  denyPermissions(window.webContents.session)
  const stopEvents = forwardEvents(core.events, window.webContents)
  window.once('ready-to-show', () => window.show())
  window.on('closed', stopEvents)
  await window.loadURL(devUrl ?? `${appOrigin}/index.html`)

  app.on('second-instance', () => {
    if (window.isMinimized()) window.restore()
    window.focus()
  })
  app.on('window-all-closed', () => app.quit())
  app.on('will-quit', () => {
    void removeInstanceFile(dataDir)
    void channel.close()
  })
}

start().catch((err: Error) => {
  console.error(`ReplicaDesk could not start: ${err.stack ?? err.message}`)
  app.exit(1)
})
