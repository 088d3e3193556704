// The adds and removals of a settings change, each with where it stands from its steps.
import { describe, expect, it } from 'vitest'
import { op } from '../../operations/testing'
import { replicaCountRows } from './replicaCountView'

const step = (id: string, status: 'pending' | 'running' | 'done' | 'skipped' | 'failed', startedAt?: string) => ({ id, title: id, hosts: [], status, ...(startedAt && { startedAt }) })
const params = { replicas: { add: [{ member: { name: 'db3', host: 'pi3', dataDir: '/d/db3' }, why: 'failure domain "attic", where no member runs' }], remove: [{ member: 'db2', why: 'asynchronous, 0 bytes behind' }] } }

describe('replica count rows', () => {
  it('names each add and removal with its state; none for other settings changes', () => {
    const running = op({ name: 's', kind: 'pg-settings', params, steps: [step('verify', 'done', 't'), step('add1-preflight', 'done', 't'), step('add1-base-backup', 'running', 't'), step('remove1-stop', 'pending')] })
    expect(replicaCountRows(running).map((r) => [r.key, r.member, r.state])).toEqual([['add1', 'db3', 'running'], ['remove1', 'db2', 'waiting']])
    expect(replicaCountRows(running)[0]!.text).toBe('Add db3 on pi3 (/d/db3): failure domain "attic", where no member runs')
    const failed = op({ name: 't', kind: 'pg-settings', params, steps: [step('add1-preflight', 'skipped'), step('add1-sync', 'done', 't'), step('remove1-stop', 'failed', 't')] })
    expect(replicaCountRows(failed).map((r) => r.state)).toEqual(['done', 'stopped'])
    expect(replicaCountRows(op({ name: 'u', kind: 'pg-settings', params: { cluster: {} } }))).toEqual([])
    expect(replicaCountRows(undefined)).toEqual([])
  })
})
