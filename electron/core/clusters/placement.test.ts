// Where a new replica goes (another failure domain first), and which replica goes first.
import { describe, expect, it } from 'vitest'
import { parseCluster } from '../engines/postgres'
import { leastUseful, proposeReplicas } from './placement'

const m = (name: string, host: string, more: object = {}) => ({ name, host, address: `10.0.0.${name.length}`, dataDir: `/d/${name}`, access: 'postgres' as const, ...more })
const c = parseCluster({ id: 'home', major: '15', members: [m('db1', 'pi1'), m('db2', 'pi2', { sync: true }), m('db3', 'nas', { neverPromote: true })] })

describe('placement', () => {
  it('prefers a host whose failure domain no member uses, then unlabelled hosts, then used domains', () => {
    const domains = new Map<string, string | undefined>([['pi1', 'desk'], ['pi2', 'desk'], ['nas', 'closet'], ['pi3', 'desk'], ['pi4', undefined], ['vm1', 'attic']])
    expect(proposeReplicas(c, domains, 3)).toEqual([
      { name: 'db4', host: 'vm1', why: 'failure domain "attic", where no member runs' },
      { name: 'db5', host: 'pi4', why: 'no failure domain set' },
      { name: 'db6', host: 'pi3', why: 'failure domain "desk" (already used: no other host is free)' },
    ])
    expect(proposeReplicas(c, new Map([['pi1', undefined]]), 1)).toEqual([])
  })

  it('removes an asynchronous never-promote replica first, the most behind among equals', () => {
    expect(leastUseful(c, 'db1', () => 0)).toEqual({ name: 'db3', why: 'asynchronous, never promoted, 0 bytes behind' })
    const two = parseCluster({ ...c, members: [m('db1', 'pi1'), m('db2', 'pi2'), m('db3', 'nas')] })
    expect(leastUseful(two, 'db1', (n) => (n === 'db2' ? 5000 : 10))?.name).toBe('db2')
    expect(leastUseful(parseCluster({ ...c, members: [m('db1', 'pi1')] }), 'db1', () => 0)).toBeUndefined()
  })
})
