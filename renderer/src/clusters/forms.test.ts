import { describe, expect, it } from 'vitest'
import { AppError } from '../../../shared/errors'
import { createFields, emptyCreateForm, emptyReplicaForm, problemTitle, replicaFields, serverProblem, validateCreate, validateReplica } from './forms'

const create = (over: Partial<ReturnType<typeof emptyCreateForm>>) => ({ ...emptyCreateForm(), host: 'host1', cluster: 'e2e', member: 'db1', dataDir: '/var/lib/postgresql/15/e2e', ...over })

describe('validateCreate', () => {
  it('gives cluster.create its input: numbers as numbers, the data dir as pgdata, empty optional fields left to the core', () => {
    const r = validateCreate(create({ port: ' 5433 ', major: '15' }), true)
    expect(r).toEqual({
      ok: true,
      input: {
        host: 'host1',
        pgdata: '/var/lib/postgresql/15/e2e',
        port: 5433,
        layout: 'plain',
        sync: false,
        priority: 100,
        neverPromote: false,
        cluster: 'e2e',
        member: 'db1',
        mode: 'init',
        major: '15',
        syncMethod: 'ANY',
        syncNum: 1,
        dryRun: true,
      },
    })
  })

  it('puts each complaint of the shared schema on its field (the data dir one included)', () => {
    const r = validateCreate(create({ cluster: 'bad id!', member: 'DB1', dataDir: 'relative/dir', port: '70000', priority: 'high' }))
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(Object.keys(r.problem.fields).sort()).toEqual(['cluster', 'dataDir', 'member', 'port', 'priority'])
    expect(r.problem.fields.dataDir).toContain('absolute path')
    expect(r.problem.message).toBeNull()
  })

  it('sends the Debian cluster name only for the Debian layout', () => {
    const plain = validateCreate(create({ debianName: 'x y' }))
    expect(plain.ok).toBe(true)
    expect(plain.ok && 'debianName' in plain.input).toBe(false)
    const debian = validateCreate(create({ layout: 'debian', debianName: 'rdmain' }))
    expect(debian.ok && debian.input.debianName).toBe('rdmain')
  })
})

describe('validateReplica', () => {
  it('carries the redundancy settings and the overwrite choice', () => {
    const r = validateReplica({ ...emptyReplicaForm('e2e'), host: 'host2', name: 'db2', dataDir: '/srv/pg/', sync: true, priority: '50', neverPromote: true, overwrite: true, address: ' 10.0.0.2 ' })
    expect(r.ok && r.input).toMatchObject({ cluster: 'e2e', name: 'db2', host: 'host2', pgdata: '/srv/pg/', sync: true, priority: 50, neverPromote: true, overwrite: true, address: '10.0.0.2', dryRun: false })
  })

  it('refuses a missing host and member name', () => {
    const r = validateReplica({ ...emptyReplicaForm('e2e'), dataDir: '/srv/pg' })
    expect(r.ok).toBe(false)
    if (!r.ok) expect(Object.keys(r.problem.fields).sort()).toEqual(['host', 'name'])
  })
})

describe('serverProblem', () => {
  it('maps invalid_input issues onto fields (pgdata is the data dir field), the rest to the message', () => {
    const err = new AppError('invalid_input', 'Invalid input for replica.add', [
      { path: ['pgdata'], message: 'Use an absolute path' },
      { path: ['members'], message: 'Two members share host and port host2:5432' },
    ])
    expect(serverProblem(err, replicaFields)).toEqual({ fields: { dataDir: 'Use an absolute path' }, message: 'Two members share host and port host2:5432', code: 'invalid_input' })
  })

  it('shows pre-flight refusals and conflicts above the form, with a heading that says what kind', () => {
    const err = new AppError('preflight_failed', 'Port 5432 on host2 is already in use (postgres). Pick another port for db2.', { check: 'port' })
    expect(serverProblem(err, createFields)).toEqual({ fields: {}, message: err.message, code: 'preflight_failed' })
    expect(problemTitle('preflight_failed')).toContain('nothing was changed')
    expect(problemTitle('conflict')).toContain('Another operation')
    expect(problemTitle('ssh_connect')).toBe('Could not reach the host')
    expect(problemTitle('split_brain')).toContain('only fencing and rejoin')
    expect(serverProblem(new Error('boom'), createFields)).toMatchObject({ message: 'boom', code: 'internal' })
  })
})
