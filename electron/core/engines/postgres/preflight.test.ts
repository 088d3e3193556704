// Pre-flight verdicts on a probed host, and the cluster model's own checks.
import { describe, expect, it } from 'vitest'
import { AppError } from '../../../../shared/errors'
import { settingsToRaise, sizeBytes } from './create-cluster'
import { reasonOf } from './errors'
import type { PgFacts } from './facts'
import { parseCluster, slotName, type PgMember } from './model'
import { checkNewMember, neededBytes, parseProbe, type NewMemberCheck } from './probe'

const PROBE_OK = `login rdadmin
user postgres
addrs 10.77.1.12 fe80::1
bin /usr/lib/postgresql/15/bin postgres (PostgreSQL) 15.8 (Debian 15.8-0+deb12u1)
datadir missing
space 1048576 4096 no /srv
log writable
reach 10.77.1.11 5432 open
`

const member = (over: Partial<PgMember> = {}): PgMember => ({
  name: 'db2', host: 'host2', address: '10.77.1.12', port: 5432, dataDir: '/srv/pg/db2', layout: 'plain', debianName: 'main', access: 'sudo', sync: false, priority: 100, neverPromote: false, socketDir: '/var/run/postgresql', ...over,
})
const source = { name: 'db1', host: 'host1', address: '10.77.1.11', port: 5432 }
const check = (probeText: string, over: Partial<NewMemberCheck> = {}) => checkNewMember({ member: member(), major: '15', probe: parseProbe(probeText), operationId: 'op-1', overwrite: false, needBytes: 1024 ** 3, source, ...over })

function refusal(f: () => unknown): AppError {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(AppError)
    return e as AppError
  }
  throw new Error('expected a refusal')
}

describe('probe', () => {
  it('parses what the host offers', () => {
    const p = parseProbe(PROBE_OK + 'socket /var/run/postgresql/.s.PGSQL.5432\ncluster-port 15/main\nclaim operation=op-9 member=db2 datadir=/srv/pg/db2 made=no\n')
    expect(p.login).toBe('rdadmin')
    expect(p.addresses).toEqual(['10.77.1.12'])
    expect(p.bins).toEqual([{ dir: '/usr/lib/postgresql/15/bin', version: '15.8', major: '15' }])
    expect(p.space).toEqual({ availableBytes: 1048576 * 4096, writable: false, path: '/srv' })
    expect(p.portInUse).toEqual(['a socket /var/run/postgresql/.s.PGSQL.5432', 'the Debian cluster 15/main'])
    expect(p.claim?.operation).toBe('op-9')
    expect(p.reach).toEqual([{ address: '10.77.1.11', port: 5432, open: true }])
  })
})

describe('pre-flight of a new member', () => {
  it('passes a ready host, and says when root must create the data dir', () => {
    expect(check(PROBE_OK)).toEqual({ resumed: false, needsRoot: true })
  })

  it('refuses another major version, naming what it found and what to install', () => {
    const e = refusal(() => check(PROBE_OK.replace(/bin .*\n/, 'bin /usr/lib/postgresql/16/bin postgres (PostgreSQL) 16.4\n')))
    expect(reasonOf(e)).toBe('version_mismatch')
    expect(e.message).toContain('host2')
    expect(e.message).toContain('primary db1 on host1 runs PostgreSQL 15')
    expect(e.message).toContain('PostgreSQL 16.4 in /usr/lib/postgresql/16/bin')
    expect(e.message).toContain('apt-get install postgresql-15')
  })

  it('points at another bin dir that has the right version', () => {
    const e = refusal(() => check(PROBE_OK.replace(/bin .*\n/, 'bin /usr/pgsql-15/bin postgres (PostgreSQL) 15.2\n')))
    expect(e.message).toContain("Set the member's binary directory to /usr/pgsql-15/bin")
  })

  it.each([
    ['data dir not empty', PROBE_OK.replace('datadir missing', 'datadir nonempty postgres'), 'data_dir', 'is not empty'],
    ['server running on it', PROBE_OK.replace('datadir missing', 'datadir nonempty postgres\nrunning 4242'), 'data_dir', 'pid 4242'],
    ['port taken', PROBE_OK + 'listening /proc/net/tcp\n', 'port', 'Port 5432 on host2 is already in use'],
    ['disk too small', PROBE_OK.replace('space 1048576', 'space 10'), 'disk', 'Not enough disk space'],
    ['primary unreachable', PROBE_OK.replace('5432 open', '5432 closed'), 'reach', 'cannot reach the primary db1'],
    ["another operation's claim", PROBE_OK + 'claim operation=op-9 member=db2 datadir=/srv/pg/db2 made=yes\n', 'claim', 'operation op-9'],
  ])('refuses: %s', (_what, text, which, fragment) => {
    const e = refusal(() => check(text))
    expect(reasonOf(e)).toBe('preflight_failed')
    expect(e.detail).toMatchObject({ check: which, host: 'host2' })
    expect(e.message).toContain(fragment)
  })

  it('states disk sizes in decimal megabytes, like the rest of the app', () => {
    const e = refusal(() => check(PROBE_OK.replace('space 1048576 4096', 'space 100000 4096')))
    expect(e.message).toContain('/srv has 409.6 MB free, the copy needs about 1073.7 MB')
  })

  it('lets a confirmed overwrite through, and its own half-made copy (a resume)', () => {
    const nonEmpty = PROBE_OK.replace('datadir missing', 'datadir nonempty postgres')
    expect(check(nonEmpty, { overwrite: true }).resumed).toBe(false)
    const mine = nonEmpty.replace('space 1048576', 'space 1') + 'listening /proc/net/tcp\nrunning 99\nclaim operation=op-1 member=db2 datadir=/srv/pg/db2 made=yes\n'
    expect(check(mine)).toEqual({ resumed: true, needsRoot: false })
  })

  it('refuses what a postgres login cannot do without root', () => {
    const e = refusal(() => check(PROBE_OK, { member: member({ access: 'postgres' }) }))
    expect(e.message).toContain('install -d -o postgres -g postgres -m 700 /srv/pg/db2')
  })

  it('asks for the copy plus 10 %, at least 64 MB', () => {
    expect(neededBytes(1000)).toBe(1000 + 64 * 1024 * 1024)
    expect(neededBytes(10 * 1024 ** 3)).toBe(11 * 1024 ** 3)
  })
})

describe('cluster model', () => {
  const m = (name: string, host: string, extra = {}) => ({ name, host, address: '10.0.0.1', dataDir: '/d', access: 'postgres' as const, ...extra })

  it('fills defaults and refuses members that would collide', () => {
    const c = parseCluster({ id: 'c1', major: '15', members: [m('db1', 'h1'), m('db2', 'h2')] })
    expect(c.replicationRole).toBe('replicadesk')
    expect(c.sync).toEqual({ method: 'ANY', num: 1 })
    expect(c.members[0]).toMatchObject({ port: 5432, layout: 'plain', sync: false, socketDir: '/var/run/postgresql' })
    expect(slotName('db-2')).toBe('rd_db_2')
    expect(() => parseCluster({ id: 'c1', major: '15', members: [m('db-2', 'h1'), m('db_2', 'h2')] })).toThrow(/slot name rd_db_2/)
    expect(() => parseCluster({ id: 'c1', major: '15', members: [m('db1', 'h1'), m('db2', 'h1')] })).toThrow(/host and port/)
    expect(() => parseCluster({ id: 'c1', major: '15', members: [m('DB1', 'h1')] })).toThrow(/lower-case/)
    expect(() => parseCluster({ id: 'c1', major: '15', members: [m('db1', 'h1', { dataDir: '/a/../b' })] })).toThrow(/\.\./)
  })
})

describe('adopting a running primary', () => {
  const facts: PgFacts = {
    inRecovery: false, versionNum: 150008, version: '15.8', dataDir: '/d', configFile: '/d/postgresql.conf', hbaFile: '/d/pg_hba.conf', walLevel: 'replica', maxWalSenders: 10, maxSlots: 10, walKeepBytes: 0, checksums: false, walLogHints: false, hotStandby: true, listen: 'localhost', syncNames: '', readOnly: false, pendingRestart: [], hotStandbyLimits: {}, slots: [], senders: [], sizeBytes: 0, roles: [],
  }
  const c = parseCluster({ id: 'c1', major: '15', members: [{ name: 'db1', host: 'h1', address: '10.0.0.1', dataDir: '/d', access: 'postgres' }] })

  it('raises only what is too low, and never lowers a setting', () => {
    expect(settingsToRaise(c, facts, ['10.0.0.1'])).toEqual([
      "ALTER SYSTEM SET wal_keep_size = '1GB'",
      "ALTER SYSTEM SET wal_log_hints = 'on'",
      "ALTER SYSTEM SET listen_addresses = 'localhost,10.0.0.1'",
    ])
    expect(settingsToRaise(c, { ...facts, walLevel: 'logical', maxWalSenders: 50, walKeepBytes: sizeBytes('2GB'), checksums: true, listen: '*' }, ['10.0.0.1'])).toEqual([])
    expect(settingsToRaise(c, { ...facts, walLevel: 'minimal', walKeepBytes: 2 ** 40, walLogHints: true, listen: '*' }, [])).toEqual(["ALTER SYSTEM SET wal_level = 'replica'"])
  })
})
