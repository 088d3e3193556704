import { describe, expect, it } from 'vitest'
import { shownErrors } from './fieldErrors'

describe('shownErrors', () => {
  const fields = ['name', 'port'] as const

  it('shows its own check only once a field was left', () => {
    const own = { name: 'Name is required', port: 'Port must be a number' }
    expect(shownErrors(fields, own, { name: true }, {})).toEqual({ name: 'Name is required' })
    expect(shownErrors(fields, own, {}, {})).toEqual({})
  })

  it('falls back to what the core said, and prefers its own check', () => {
    const server = { name: 'name taken', port: 'port in use' }
    expect(shownErrors(fields, { name: 'Name is required' }, { name: true, port: true }, server)).toEqual({
      name: 'Name is required',
      port: 'port in use',
    })
  })

  it('leaves out fields without a message', () => {
    expect(shownErrors(fields, { name: '' }, { name: true }, { port: '' })).toEqual({})
  })
})
