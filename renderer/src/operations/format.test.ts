import { describe, expect, it } from 'vitest'
import { canAbandon, canResume, cardOperations, commandsByHost, destructiveNotes, elapsed, isActive, plannedCommandLine, progressView } from './format'
import { op, progress } from './testing'

describe('progressView', () => {
  it('shows percent, rate, ETA, bytes and the message while a step copies', () => {
    const p = progress(42.7, 't', { bytesDone: 30_100_000, bytesTotal: 75_000_000, bytesPerSecond: 114_000_000, etaSeconds: 65, message: 'Copying from db1' })
    expect(progressView(p, 'running')).toEqual({ percent: 42, rate: '114 MB/s', eta: 'ETA 1 min 05 s', bytes: '30.1 MB of 75.0 MB', message: 'Copying from db1' })
  })

  it('shows only the percent between byte-counting steps, and nothing moving once ended', () => {
    expect(progressView(progress(8, 't', { message: 'prepared' }), 'running')).toEqual({ percent: 8, rate: null, eta: null, bytes: null, message: 'prepared' })
    const p = progress(64, 't', { bytesDone: 1, bytesTotal: 2, bytesPerSecond: 5, etaSeconds: 1, message: 'x' })
    expect(progressView(p, 'failed')).toEqual({ percent: 64, rate: null, eta: null, bytes: null, message: null })
  })

  it('is full once succeeded, even when the last report said less', () => {
    expect(progressView(progress(96, 't'), 'succeeded').percent).toBe(100)
    expect(progressView(undefined, 'succeeded').percent).toBe(100)
    expect(progressView(undefined, 'planned').percent).toBe(0)
  })
})

describe('plannedCommandLine and commandsByHost', () => {
  it('quotes arguments as a shell would need them, with sudo -n -u in front when run as another user', () => {
    expect(plannedCommandLine({ argv: ['psql', '-c', "SELECT 'x'"] })).toBe(`psql -c 'SELECT '\\''x'\\'''`)
    expect(plannedCommandLine({ argv: ['pg_ctl', '-D', '/var/lib/postgresql/15/e2e', 'start'], runAs: 'postgres' })).toBe(
      'sudo -n -u postgres pg_ctl -D /var/lib/postgresql/15/e2e start',
    )
  })

  it('groups a step’s commands by host, in the order the hosts first appear', () => {
    const groups = commandsByHost([
      { host: 'host2', argv: ['a'] },
      { host: 'host1', argv: ['b'] },
      { host: 'host2', argv: ['c'] },
    ])
    expect(groups.map((g) => [g.host, g.commands.map((c) => c.argv[0])])).toEqual([
      ['host2', ['a', 'c']],
      ['host1', ['b']],
    ])
  })

  it('keeps what a step would delete or refuse in view while its commands are folded', () => {
    const notes = destructiveNotes([
      { host: 'h1', argv: ['a'], note: 'DELETES everything in /srv/x on h1: 2.1M on disk' },
      { host: 'h1', argv: ['b'], note: 'reads the size' },
      { host: 'h1', argv: ['c'] },
    ])
    expect(notes).toEqual(['DELETES everything in /srv/x on h1: 2.1M on disk'])
  })
})

describe('what an operation allows', () => {
  it('offers Resume and Abandon only when it stopped half way', () => {
    for (const status of ['interrupted', 'failed'] as const) expect(canResume({ status }) && canAbandon({ status })).toBe(true)
    for (const status of ['planned', 'running', 'abandoning', 'succeeded', 'abandoned'] as const) expect(canResume({ status }) || canAbandon({ status })).toBe(false)
    expect(['planned', 'running', 'abandoning'].every((status) => isActive({ status: status as 'running' }))).toBe(true)
  })
})

describe('elapsed', () => {
  it('counts from the start to the end, or to now while it runs', () => {
    const start = '2026-01-01T00:00:00.000Z'
    expect(elapsed({ createdAt: start, startedAt: start, endedAt: '2026-01-01T00:00:03.200Z' }, 0)).toBe('3.2 s')
    expect(elapsed({ createdAt: start }, Date.parse(start) + 65_000)).toBe('1 min 05 s')
  })
})

describe('cardOperations', () => {
  const names = (ops: { title: string }[]) => ops.map((o) => o.title)
  it('the running and undecided ones, and the newest one when it has ended', () => {
    const failed = op({ name: 'rejoin', status: 'failed' })
    const older = op({ name: 'add', status: 'succeeded' })
    expect(names(cardOperations([op({ name: 'rebuild', status: 'succeeded' }), failed, older]))).toEqual(['rebuild', 'rejoin'])
    expect(names(cardOperations([op({ name: 'rebuild', status: 'running' }), failed, older]))).toEqual(['rebuild', 'rejoin'])
    expect(names(cardOperations([failed, older]))).toEqual(['rejoin'])
    expect(names(cardOperations([op({ name: 'switchover', status: 'succeeded' }), older]))).toEqual(['switchover'])
    expect(cardOperations([])).toEqual([])
  })
})
