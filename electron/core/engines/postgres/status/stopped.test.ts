import { describe, expect, it } from 'vitest'
import { parseServerStopped } from '../server-stopped'
import { statusMembers } from './members'
import { clockText, stoppedAt } from './stopped'
import type { RawSample } from './query'

describe('a stopped PostgreSQL, read on its host', () => {
  it('parses running, unknown and stopped, with the log bounded and passwords hidden', () => {
    expect(parseServerStopped('running 4242\n')).toEqual({ state: 'running', pid: 4242 })
    expect(parseServerStopped('unknown\n')).toEqual({ state: 'unknown' })
    expect(parseServerStopped('')).toEqual({ state: 'unknown' }) // the script did not get far: say nothing
    const long = 'x'.repeat(500)
    const out = ['now 1000', 'pidfile left', 'log 990 /var/log/postgresql/postgresql-15-main.log', ...['a', 'b', 'c', 'd', 'e', 'f'].map((l) => `line ${l}`), `line ${long}`].join('\n')
    const s = parseServerStopped(out)
    expect(s).toMatchObject({ state: 'stopped', crashed: true, logAgeS: 10, logFile: '/var/log/postgresql/postgresql-15-main.log' })
    expect(s.state === 'stopped' && s.lines).toEqual(['a', 'b', 'c', 'd', 'e'])
    const pw = parseServerStopped("now 5\nline LOG: statement: ALTER ROLE rd_repl PASSWORD 'hunter2' LOGIN\nline " + long)
    expect(pw.state === 'stopped' && pw.lines[0]).toBe("LOG: statement: ALTER ROLE rd_repl PASSWORD *** LOGIN")
    expect(pw.state === 'stopped' && pw.lines[1]!.length).toBe(200)
    expect(parseServerStopped('now 5\n')).toMatchObject({ state: 'stopped', crashed: false, logAgeS: null, logFile: null, lines: [] })
  })

  it('stopped at: the log\'s last write when it fits the episode, else when status saw it down', () => {
    const now = Date.parse('2026-12-07T01:01:00Z')
    const since = '2026-12-07T01:00:55.300Z'
    const sample = { startedMs: Date.parse('2026-12-07T00:00:00Z') } as RawSample
    expect(stoppedAt(since, 5, sample, now).toISOString()).toBe('2026-12-07T01:00:55.000Z')
    expect(stoppedAt(since, null, sample, now).toISOString()).toBe(since)
    // written before the server's last start: not its stop
    expect(stoppedAt(since, 7200, sample, now).toISOString()).toBe(since)
    // down since the app started, never read up: the log says when it stopped
    expect(stoppedAt(since, 3600, null, now).toISOString()).toBe('2026-12-07T00:01:00.000Z')
    // written well after status saw it down (someone tried to start it): not its stop either
    expect(stoppedAt('2026-12-07T01:00:00Z', 0, sample, now).toISOString()).toBe('2026-12-07T01:00:00.000Z')
  })

  it('says the time of day, with the date when it is not today', () => {
    const now = new Date(2026, 11, 7, 12, 0, 0)
    expect(clockText(new Date(2026, 11, 7, 1, 0, 55), now)).toBe('01:00:55')
    expect(clockText(new Date(2026, 11, 6, 23, 5, 9), now)).toBe('2026-12-06 23:05:09')
  })
})

describe('what status is told of a recorded member to look at it', () => {
  it('its log (plain: pg_ctl -l, Debian: the cluster\'s own) and the user its files belong to', () => {
    const base = { port: 5432, dataDir: '/d', address: 'h' }
    const input = statusMembers(
      {
        id: 'c',
        major: '15',
        members: [
          { ...base, name: 'db1', host: 'h1', layout: 'plain', access: 'postgres' },
          { ...base, name: 'db2', host: 'h2', layout: 'plain', logFile: '/srv/pg.log', access: 'sudo' },
          { ...base, name: 'db3', host: 'h3', layout: 'debian', debianName: 'main', access: 'sudo' },
        ],
      },
      (host) => ({ address: host }),
    )
    expect(input.members.map((m) => [m.logFile, m.serverUser])).toEqual([
      ['/var/log/postgresql/replicadesk-db1.log', undefined],
      ['/srv/pg.log', 'postgres'],
      ['/var/log/postgresql/postgresql-15-main.log', 'postgres'],
    ])
  })
})
