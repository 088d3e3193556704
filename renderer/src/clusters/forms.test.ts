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

describe('validateCreate for MariaDB', () => {
  const maria = (over: Partial<ReturnType<typeof emptyCreateForm>>) => ({ ...emptyCreateForm('mariadb'), host: 'host1', cluster: 'm1', member: 'db1', dataDir: '/srv/mariadb/db1', ...over })

  it('sends the data dir as datadir (never pgdata), the engine and semi-sync, and no PostgreSQL-only field', () => {
    const r = validateCreate(maria({ semiSync: true, major: '15', syncMethod: 'FIRST', syncNum: '2', debianName: 'x' }), true)
    expect(r).toEqual({
      ok: true,
      input: { host: 'host1', datadir: '/srv/mariadb/db1', port: 3306, layout: 'plain', sync: false, priority: 100, neverPromote: false, cluster: 'm1', member: 'db1', mode: 'init', engine: 'mariadb', semiSync: true, dryRun: true },
    })
  })

  it('leaves an empty port to the core (3306), and the Debian datadir too', () => {
    const r = validateCreate(maria({ port: ' ', layout: 'debian', dataDir: '/ignored' }))
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect('port' in r.input).toBe(false)
    expect('datadir' in r.input || 'pgdata' in r.input).toBe(false)
    expect(r.input).toMatchObject({ layout: 'debian', engine: 'mariadb' })
    expect(emptyCreateForm('mariadb').port).toBe('3306')
  })

  it('puts a bad datadir on the data dir field', () => {
    const r = validateCreate(maria({ dataDir: 'srv/mariadb' }))
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.problem.fields.dataDir).toContain('absolute path')
  })
})

describe('validateReplica', () => {
  it('sends a MariaDB replica\'s datadir as datadir', () => {
    const r = validateReplica({ ...emptyReplicaForm('m1', 'mariadb'), host: 'host2', name: 'db2', dataDir: '/srv/mariadb/db2', sync: true, port: '' })
    expect(r.ok && r.input).toEqual({ cluster: 'm1', name: 'db2', host: 'host2', datadir: '/srv/mariadb/db2', layout: 'plain', sync: true, priority: 100, neverPromote: false, overwrite: false, dryRun: false })
  })


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
  it('maps the core\'s datadir complaint onto the data dir field', () => {
    const err = new AppError('invalid_input', 'Invalid input', [{ path: ['datadir'], message: 'Use an absolute path' }])
    expect(serverProblem(err, replicaFields).fields).toEqual({ dataDir: 'Use an absolute path' })
  })

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
