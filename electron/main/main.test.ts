import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { ipcChannel, ipcEventChannel, methodEntries } from '../../shared/contract'
import type { Reply } from '../../shared/wire'
import { createCore } from '../core/core'
import { buildPreloadApi, type IpcRendererLike } from '../preload/api'
import { appResponseHeaders, resolveAppPath, withAppHeaders } from './app-protocol'
import { makeOpenExternal } from './external-links'
import { forwardEvents, registerContract, trustedSender, type IpcMainLike, type SenderFrame } from './ipc'
import { createSecretStore } from './secret-store'
import { appOrigin, denyPermissions, harden, windowOptions, type HardenableContents, type HardenableSession } from './security'

type Handler = (event: { senderFrame: SenderFrame | null }, input: unknown) => Promise<Reply>

function fakeIpcMain() {
  const handlers = new Map<string, Handler>()
  const ipcMain: IpcMainLike = { handle: (c, h) => void handlers.set(c, h), removeHandler: (c) => void handlers.delete(c) }
  return { ipcMain, handlers }
}

const topFrame = (url: string): SenderFrame => {
  const frame: SenderFrame = { url, top: null }
  frame.top = frame
  return frame
}

describe('IPC wiring (fake ipcMain, real core)', () => {
  it('registers exactly one channel per contract method and dispatches trusted calls', async () => {
    const core = await createCore({ dataDir: await mkdtemp(join(tmpdir(), 'rd-ipc-')) })
    const { ipcMain, handlers } = fakeIpcMain()
    const unregister = registerContract(ipcMain, core.dispatch, trustedSender([appOrigin]))
    expect([...handlers.keys()].sort()).toEqual(methodEntries.map((m) => ipcChannel(m.id)).sort())
    const add = handlers.get(ipcChannel('host.add'))!
    const reply = await add({ senderFrame: topFrame(`${appOrigin}/index.html`) }, { name: 'pi', address: 'pi.lan', user: 'pi' })
    expect(reply).toMatchObject({ ok: true, value: { name: 'pi' } })
    const invalid = await add({ senderFrame: topFrame(`${appOrigin}/index.html`) }, { name: 'pi', address: 'pi.lan', user: 'pi', port: 0 })
    expect(invalid).toMatchObject({ ok: false, error: { code: 'invalid_input', detail: [{ path: ['port'] }] } })
    unregister()
    expect(handlers.size).toBe(0)
  })

  it('refuses sub-frames, foreign pages and missing frames', async () => {
    const dispatch = vi.fn(async (): Promise<Reply> => ({ ok: true, value: [] }))
    const { ipcMain, handlers } = fakeIpcMain()
    registerContract(ipcMain, dispatch, trustedSender([appOrigin]))
    const list = handlers.get(ipcChannel('host.list'))!
    const sub: SenderFrame = { url: `${appOrigin}/index.html`, top: topFrame(`${appOrigin}/index.html`) }
    for (const frame of [sub, topFrame('https://evil.example/'), topFrame('file:///etc/passwd'), null]) {
      expect(await list({ senderFrame: frame }, {})).toMatchObject({ ok: false, error: { code: 'unauthorized' } })
    }
    expect(dispatch).not.toHaveBeenCalled()
  })

  it('forwards core events to the window until it is destroyed', async () => {
    const core = await createCore({ dataDir: await mkdtemp(join(tmpdir(), 'rd-ipc-')) })
    const sent: unknown[] = []
    let destroyed = false
    forwardEvents(core.events, { send: (channel, frame) => sent.push([channel, frame]), isDestroyed: () => destroyed })
    core.events.emit('hostsChanged', { hosts: [] })
    destroyed = true
    core.events.emit('hostsChanged', { hosts: [] })
    expect(sent).toEqual([[ipcEventChannel, { name: 'hostsChanged', payload: { hosts: [] } }]])
  })
})

describe('preload (fake ipcRenderer)', () => {
  it('exposes one function per contract method bound to its channel, and only contract events', async () => {
    const invoked: unknown[] = []
    const listeners = new Map<string, (e: unknown, ...a: unknown[]) => void>()
    const ipc: IpcRendererLike = {
      invoke: async (channel, input) => (invoked.push([channel, input]), { ok: true, value: [] }),
      on: (c, l) => listeners.set(c, l),
      removeListener: (c) => listeners.delete(c),
    }
    const api = buildPreloadApi(ipc)
    expect(Object.keys(api).sort()).toEqual([...new Set(methodEntries.map((m) => m.noun)), 'onEvent'].sort())
    expect('invoke' in api).toBe(false)
    await api.host.list({})
    expect(invoked).toEqual([[ipcChannel('host.list'), {}]])
    const got: unknown[] = []
    const off = api.onEvent((name, payload) => got.push([name, payload]))
    const relay = listeners.get(ipcEventChannel)!
    relay({ sender: 'secret' }, { name: 'hostsChanged', payload: { hosts: [] } })
    relay({}, { name: 'notAnEvent', payload: 1 })
    expect(got).toEqual([['hostsChanged', { hosts: [] }]])
    off()
    expect(listeners.size).toBe(0)
  })
})

describe('window security', () => {
  it('sandboxes the renderer', () => {
    const prefs = windowOptions('/p.cjs').webPreferences!
    expect(prefs).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false, nodeIntegrationInSubFrames: false, webviewTag: false, webSecurity: true, allowRunningInsecureContent: false })
    // Checklist items that are met by leaving them out: no experimental or Blink features.
    expect(prefs.experimentalFeatures).toBeUndefined()
    expect(prefs.enableBlinkFeatures).toBeUndefined()
    expect(prefs.nodeIntegrationInWorker).toBeUndefined()
  })

  it('denies window.open, blocks navigation away and webviews, opens only http(s) outside', () => {
    const on = new Map<string, (event: { preventDefault(): void }, url?: string) => void>()
    let openHandler: (d: { url: string }) => { action: string } = () => ({ action: 'allow' })
    const contents = {
      setWindowOpenHandler: (h: typeof openHandler) => (openHandler = h),
      on: (event: string, listener: (event: { preventDefault(): void }, url?: string) => void) => on.set(event, listener),
    } as unknown as HardenableContents
    const opened: string[] = []
    let shown = `${appOrigin}/index.html#/hosts`
    harden(contents, [appOrigin], makeOpenExternal(async (url) => void opened.push(url)), () => shown)
    expect(openHandler({ url: 'https://www.postgresql.org/docs/' }).action).toBe('deny')
    expect(openHandler({ url: 'file:///etc/passwd' }).action).toBe('deny')
    expect(openHandler({ url: 'javascript:alert(1)' }).action).toBe('deny')
    // A link asked for by anything but our own page (e.g. a page that got in by mistake) stays closed.
    shown = 'https://evil.example/'
    expect(openHandler({ url: 'https://evil.example/phish' }).action).toBe('deny')
    expect(opened).toEqual(['https://www.postgresql.org/docs/'])
    const navigate = (url: string) => {
      const preventDefault = vi.fn()
      on.get('will-navigate')!({ preventDefault }, url)
      return preventDefault.mock.calls.length > 0
    }
    expect(navigate('https://evil.example/')).toBe(true)
    expect(navigate(`${appOrigin}/index.html#hosts`)).toBe(false)
    const preventDefault = vi.fn()
    on.get('will-attach-webview')!({ preventDefault })
    expect(preventDefault).toHaveBeenCalled()
  })

  it('denies every permission request and check', () => {
    let request: Parameters<HardenableSession['setPermissionRequestHandler']>[0] | undefined
    let check: Parameters<HardenableSession['setPermissionCheckHandler']>[0] | undefined
    denyPermissions({ setPermissionRequestHandler: (h) => (request = h), setPermissionCheckHandler: (h) => (check = h) })
    for (const permission of ['media', 'notifications', 'clipboard-read', 'geolocation', 'openExternal']) {
      const granted = vi.fn()
      request!(null, permission, granted)
      expect(granted).toHaveBeenCalledWith(false)
      expect(check!(null, permission)).toBe(false)
    }
  })

  it('answers app:// with the CSP (frame-ancestors too) as a response header', async () => {
    const res = withAppHeaders(new Response('<!doctype html>', { status: 200, headers: { 'Content-Type': 'text/html', 'Content-Security-Policy': "default-src *" } }))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/html')
    const csp = res.headers.get('content-security-policy')!
    expect(csp).toBe(appResponseHeaders['Content-Security-Policy'])
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toContain('unsafe-eval')
    expect(res.headers.get('x-frame-options')).toBe('DENY')
    expect(await res.text()).toBe('<!doctype html>')
    expect(withAppHeaders(new Response('Not found', { status: 404 })).headers.get('content-security-policy')).toBe(csp)
  })

  it('serves app:// only from inside the renderer build', () => {
    expect(resolveAppPath('/app/out/renderer', 'app://replicadesk/assets/x.js')).toBe('/app/out/renderer/assets/x.js')
    expect(resolveAppPath('/app/out/renderer', 'app://replicadesk/')).toBe('/app/out/renderer/index.html')
    expect(resolveAppPath('/app/out/renderer', 'app://replicadesk/..%2f..%2fpackage.json')).toBeUndefined()
  })
})

describe('secret store', () => {
  const fakeSafe = (backend: string, available = true) => ({
    isEncryptionAvailable: () => available,
    getSelectedStorageBackend: () => backend,
    encryptString: (t: string) => Buffer.from(t).reverse(),
    decryptString: (b: Buffer) => Buffer.from(b).reverse().toString(),
  })

  it('encrypts through the OS keychain', () => {
    const store = createSecretStore(fakeSafe('gnome_libsecret'), 'linux')
    expect(store.decrypt(store.encrypt('hunter2'))).toBe('hunter2')
  })

  it('refuses the plain-text fallback on Linux and a missing keychain anywhere', () => {
    expect(() => createSecretStore(fakeSafe('basic_text'), 'linux').encrypt('x')).toThrow(/No desktop keychain/)
    expect(() => createSecretStore(fakeSafe('', false), 'darwin').encrypt('x')).toThrow(/keychain is not available/)
  })
})
