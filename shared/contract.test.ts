import { describe, expect, it } from 'vitest'
import { createClient, type Transport } from './client'
import { eventNames, findMethod, methodEntries } from './contract'
import { AppError, toErrorData } from './errors'
import type { Reply } from './wire'

function transportReplying(reply: Reply, calls: unknown[] = []): Transport {
  return {
    call: async (method, input) => (calls.push([method, input]), reply),
    onEvent: () => () => {},
  }
}

describe('contract', () => {
  it('has unique method ids and finds them by id', () => {
    const ids = methodEntries.map((m) => m.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(findMethod('host.add')?.spec.summary).toBe('Add a host record')
    expect(findMethod('constructor')).toBeUndefined()
    expect(eventNames).toContain('hostsChanged')
  })
})

describe('typed client', () => {
  it('calls the method by its id and checks the reply against the output schema', async () => {
    const calls: unknown[] = []
    const client = createClient(transportReplying({ ok: true, value: [] }, calls))
    expect(await client.host.list()).toEqual([])
    expect(calls).toEqual([['host.list', {}]])
    const bad = createClient(transportReplying({ ok: true, value: [{ name: 1 }] }))
    await expect(bad.host.list()).rejects.toMatchObject({ code: 'internal' })
  })

  it('rebuilds error data into an AppError with code and detail', async () => {
    const client = createClient(transportReplying({ ok: false, error: { code: 'not_found', message: 'no', detail: { field: 'name' } } }))
    const err = await client.host.remove({ name: 'x' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AppError)
    expect(err).toMatchObject({ code: 'not_found', message: 'no', detail: { field: 'name' } })
  })

  it('delivers only schema-valid payloads of the named event', () => {
    let emit: (name: string, payload: unknown) => void = () => {}
    const client = createClient({ call: async () => ({ ok: true, value: null }), onEvent: (l) => ((emit = l), () => {}) })
    const got: unknown[] = []
    client.on('hostsChanged', (p) => got.push(p))
    emit('hostsChanged', { hosts: 'nope' })
    emit('other', { hosts: [] })
    emit('hostsChanged', { hosts: [] })
    expect(got).toEqual([{ hosts: [] }])
  })

  it('turns unknown throwables into internal error data', () => {
    expect(toErrorData(new Error('boom'))).toEqual({ code: 'internal', message: 'Internal error: boom' })
    expect(toErrorData(new AppError('conflict', 'dup'))).toEqual({ code: 'conflict', message: 'dup' })
  })
})

describe('typed client compile-time shape', () => {
  it('makes the input optional exactly where every field is optional', async () => {
    const calls: unknown[] = []
    const client = createClient(transportReplying({ ok: true, value: [] }, calls))
    expect(await client.activity.list()).toEqual([])
    expect(await client.host.connections()).toEqual([])
    // @ts-expect-error host.add needs its input (checked by `npm run typecheck`)
    await expect(client.host.add()).rejects.toMatchObject({ code: 'internal' })
    expect(calls).toEqual([['activity.list', {}], ['host.connections', {}], ['host.add', {}]])
  })
})
