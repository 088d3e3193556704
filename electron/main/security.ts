// The window's security settings, in one place so that a test can check them.
import type { BrowserWindowConstructorOptions } from 'electron'

export const appScheme = 'app'
export const appOrigin = `${appScheme}://replicadesk`

export function windowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'ReplicaDesk',
    webPreferences: {
      preload: preloadPath,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  }
}

/** The subset of webContents we harden (injected so the rules are testable without Electron). */
export interface HardenableContents {
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void
  on(event: 'will-navigate' | 'will-redirect', listener: (event: { preventDefault(): void }, url: string) => void): unknown
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): unknown
}

export function isOwnPage(url: string, allowedOrigins: readonly string[]): boolean {
  try {
    const u = new URL(url)
    return allowedOrigins.includes(`${u.protocol}//${u.host}`)
  } catch {
    return false
  }
}

/** The session calls we harden (injected, as above). */
export interface HardenableSession {
  setPermissionRequestHandler(handler: (wc: unknown, permission: string, callback: (granted: boolean) => void) => void): void
  setPermissionCheckHandler(handler: (wc: unknown, permission: string) => boolean): void
}

/** The UI needs no permission (camera, notifications, clipboard-read, …): every request and check is denied. */
export function denyPermissions(session: HardenableSession): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false))
  session.setPermissionCheckHandler(() => false)
}

/**
 * No new windows, no navigation away from our own pages, no webviews. A link opens outside only
 * when our own page asked for it (`currentUrl` is the page the window shows) and it is http(s).
 */
export function harden(contents: HardenableContents, allowedOrigins: readonly string[], openExternal: (url: string) => void, currentUrl: () => string): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (isOwnPage(currentUrl(), allowedOrigins)) openExternal(url)
    return { action: 'deny' }
  })
  const blockForeign = (event: { preventDefault(): void }, url: string) => {
    if (!isOwnPage(url, allowedOrigins)) event.preventDefault()
  }
  contents.on('will-navigate', blockForeign)
  contents.on('will-redirect', blockForeign)
  contents.on('will-attach-webview', (event) => event.preventDefault())
}
