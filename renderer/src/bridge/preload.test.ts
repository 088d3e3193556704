import { describe, expect, it } from 'vitest'
import type { PreloadApi } from '../../../shared/preloadApi'
import { createPreloadTransport, findPreloadApi } from './preload'

function fakeApi(list: (input: unknown) => Promise<unknown>): PreloadApi {
  return {
    app: { info: async () => ({ ok: true, value: {} }) },
    host: { list, add: list, edit: list, remove: list },
    onEvent: () => () => {},
  } as unknown as PreloadApi
}

describe('findPreloadApi', () => {
  it('finds window.replicadesk only when it looks like the preload object', () => {
    const api = fakeApi(async () => null)
    expect(findPreloadApi({ replicadesk: api })).toBe(api)
    expect(findPreloadApi({})).toBeUndefined()
    expect(findPreloadApi({ replicadesk: 'x' })).toBeUndefined()
    expect(findPreloadApi({ replicadesk: { host: {} } })).toBeUndefined()
  })
})

describe('createPreloadTransport', () => {
  it('calls the function of the method and passes its reply on', async () => {
    const inputs: unknown[] = []
    const transport = createPreloadTransport(
      fakeApi(async (input) => {
        inputs.push(input)
        return { ok: true, value: [] }
      }),
    )
    await expect(transport.call('host.list', {})).resolves.toEqual({ ok: true, value: [] })
    expect(inputs).toEqual([{}])
  })

  it('refuses methods outside the contract', async () => {
    const transport = createPreloadTransport(fakeApi(async () => null))
    await expect(transport.call('host.nuke', {})).resolves.toMatchObject({ ok: false, error: { code: 'unknown_method' } })
  })

  it('turns a rejected IPC call into a transport error and a malformed reply into internal', async () => {
    const failing = createPreloadTransport(fakeApi(async () => Promise.reject(new Error('ipc gone'))))
    await expect(failing.call('host.list', {})).resolves.toMatchObject({ ok: false, error: { code: 'transport' } })
    const odd = createPreloadTransport(fakeApi(async () => ({ yes: 1 })))
    await expect(odd.call('host.list', {})).resolves.toMatchObject({ ok: false, error: { code: 'internal' } })
  })
})
