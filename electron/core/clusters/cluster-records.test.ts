// Fence marks kept in step with a failover's journal: the old primary is marked by the time the
// fence step starts (also when another process resumes it), and unmarked when the failover is
// abandoned before its promotion.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { OperationSummary } from '../../../shared/operations'
import { parseCluster } from '../engines/postgres'
import { applyOperationOutcome } from './cluster-records'
import { ClustersStore } from './clusters-store'

const dirs: string[] = []
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })))

async function storeWithCluster() {
  const dir = mkdtempSync(join(tmpdir(), 'rd-records-'))
  dirs.push(dir)
  const store = new ClustersStore(dir)
  const cluster = parseCluster({ id: 'c', major: '15', members: ['a', 'b'].map((n, i) => ({ name: n, host: `h${i + 1}`, address: `10.0.0.${i + 1}`, dataDir: `/d/${n}`, access: 'postgres' })) })
  await store.update('c', () => cluster)
  return store
}

const failover = (status: string, fence: { startedAt?: string; status: string }, promote: { startedAt?: string; status: string } = { status: 'pending' }) =>
  ({ id: 'op1', kind: 'pg-failover', clusterId: 'c', status, params: { from: 'a', to: 'b' }, steps: [{ id: 'assess', status: 'done', startedAt: 't' }, { id: 'fence', ...fence }, { id: 'promote', ...promote }] }) as unknown as OperationSummary

describe('fence marks from a failover', () => {
  it('marks the old primary once the fence step started (once: no write when it is marked already)', async () => {
    const store = await storeWithCluster()
    expect(await applyOperationOutcome(store, failover('running', { status: 'pending' }))).toBe(false)
    expect((await store.get('c')).fenced).toEqual([])
    expect(await applyOperationOutcome(store, failover('running', { status: 'running', startedAt: 't' }))).toBe(true)
    expect((await store.get('c')).fenced).toEqual(['a'])
    expect(await applyOperationOutcome(store, failover('succeeded', { status: 'done', startedAt: 't' }, { status: 'done', startedAt: 't' }))).toBe(false)
    expect((await store.get('c')).fenced).toEqual(['a'])
  })

  it('abandoned before the promotion: unmarked, and not marked again while abandoning', async () => {
    const store = await storeWithCluster()
    await applyOperationOutcome(store, failover('running', { status: 'done', startedAt: 't' }))
    expect(await applyOperationOutcome(store, failover('abandoned', { status: 'undone', startedAt: 't' }))).toBe(true)
    expect((await store.get('c')).fenced).toEqual([])
    expect(await applyOperationOutcome(store, failover('abandoning', { status: 'done', startedAt: 't' }))).toBe(false)
    expect((await store.get('c')).fenced).toEqual([])
  })
})
