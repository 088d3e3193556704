// The access rule: a login as postgres acts directly, any other through `sudo -n -u postgres`;
// the lease asks it per host record name, synchronously, from the records last read.
import { describe, expect, it } from 'vitest'
import type { Host } from '../../../shared/hosts'
import { accessOf, HostAccess } from './access'

describe('access', () => {
  it('is direct for a postgres login, through sudo for any other login or an unknown host', () => {
    expect(accessOf({ user: 'postgres' })).toBe('postgres')
    expect(accessOf({ user: 'admin' })).toBe('sudo')
    expect(accessOf(undefined)).toBe('sudo')
  })

  it('gives the lease its sudo user per host record, from the records as last refreshed', async () => {
    let records = [{ name: 'db1', user: 'postgres' }, { name: 'db2', user: 'pi' }] as Host[]
    const access = new HostAccess({ list: async () => records })
    expect(access.sudoFor('db1')).toBe('postgres') // not read yet: through sudo
    await access.refresh()
    expect([access.sudoFor('db1'), access.sudoFor('db2'), access.sudoFor('ghost')]).toEqual([undefined, 'postgres', 'postgres'])
    records = [{ name: 'db2', user: 'postgres' }] as Host[]
    await access.refresh()
    expect(access.sudoFor('db2')).toBeUndefined()
  })

  it('keeps what it knew when the records cannot be read', async () => {
    let reads = 0
    const access = new HostAccess({ list: async () => (reads++ ? Promise.reject(new Error('damaged hosts.json')) : ([{ name: 'db1', user: 'postgres' }] as Host[])) })
    await access.refresh()
    await access.refresh()
    expect(reads).toBe(2)
    expect(access.sudoFor('db1')).toBeUndefined()
  })
})
