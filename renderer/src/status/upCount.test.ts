import { describe, expect, it } from 'vitest'
import { upCount } from './upCount'

const ops = (entries: Record<string, string>) => new Map(Object.entries(entries))

describe('upCount', () => {
  it('counts members up out of all', () => {
    expect(upCount([{ name: 'a', state: 'up' }, { name: 'b', state: 'down' }, { name: 'c', state: 'up' }], new Map())).toMatchObject({ text: '2 of 3 up', down: 1, busy: null })
  })

  it('a member being created is not down: left out of the count and named beside it', () => {
    const c = upCount([{ name: 'a', state: 'up' }, { name: 'b', state: 'up' }, { name: 'c', state: 'down' }], ops({ c: 'being created' }))
    expect(c).toMatchObject({ text: '2 of 2 up', down: 0, busy: '1 being created' })
  })

  it('busy members that are up already count as up', () => {
    expect(upCount([{ name: 'a', state: 'up' }, { name: 'c', state: 'up' }], ops({ c: 'being created' }))).toMatchObject({ text: '2 of 2 up', busy: null })
  })

  it('several kinds of work are each named', () => {
    const c = upCount([{ name: 'a', state: 'up' }, { name: 'b', state: 'down' }, { name: 'c', state: 'unknown' }, { name: 'd', state: 'down' }], ops({ b: 'rejoining', c: 'being created', d: 'being created' }))
    expect(c.busy).toBe('1 rejoining, 2 being created')
    expect(c.text).toBe('1 of 1 up')
  })
})
