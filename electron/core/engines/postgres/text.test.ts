// Pure text the engine builds: SQL, postgresql.conf, conninfo, pg_hba block, pgpass, sync names, progress.
import { describe, expect, it } from 'vitest'
import { parseClaim } from './claims'
import { confLine, confValue, conninfo, parseConf } from './conf'
import { cidr, currentHbaBlock, HBA_BEGIN, HBA_END, hbaBlock, hostAddresses, trustLines, withHbaBlock } from './hba'
import { parseCluster } from './model'
import { findPassword, mergePgpass, pgpassHosts, pgpassLine } from './pgpass'
import { BasebackupProgressParser, type BackupProgress } from './progress'
import { explainRewindFailure, parseDirState, rewindGrantSql } from './rejoin'
import { generatePassword, ident, lit, scramVerifier } from './sql'
import { degradedSyncValue, namesIn, requiredCount, satisfiable, syncNames } from './sync'

describe('SQL text', () => {
  it('quotes literals and identifiers', () => {
    expect(lit("it's")).toBe("'it''s'")
    expect(lit('a\\b')).toBe("'a\\b'")
    expect(ident('we"ird')).toBe('"we""ird"')
    expect(() => lit('a\0b')).toThrow(/NUL/)
  })

  it('computes the SCRAM-SHA-256 verifier PostgreSQL stores (checked against an independent implementation)', () => {
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64')
    expect(scramVerifier('pencil', { salt })).toBe('SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=')
    expect(scramVerifier('pencil')).not.toBe(scramVerifier('pencil')) // random salt
  })

  it('generates 32-character alphanumeric passwords', () => {
    const a = generatePassword()
    expect(a).toMatch(/^[A-Za-z0-9]{32}$/)
    expect(generatePassword()).not.toBe(a)
  })
})

describe('postgresql.conf and conninfo', () => {
  it('quotes values as ALTER SYSTEM writes them, and reads them back', () => {
    expect(confValue("ANY 1 (\"a\", \"b\")")).toBe("'ANY 1 (\"a\", \"b\")'")
    expect(confValue("it's \\ here")).toBe("'it''s \\\\ here'")
    expect(() => confValue('a\nb')).toThrow(/line break/)
    const text = ['# Do not edit', confLine('primary_conninfo', "host=h user='x y'"), "port = '5433'", 'wal_level = replica # comment', ''].join('\n')
    const conf = parseConf(text)
    expect(conf.get('primary_conninfo')).toBe("host=h user='x y'")
    expect(conf.get('port')).toBe('5433')
    expect(conf.get('wal_level')).toBe('replica')
  })

  it('builds connection strings, quoting where needed', () => {
    expect(conninfo({ host: '10.0.0.1', port: 5432, user: 'replicadesk', application_name: 'db2', dbname: undefined })).toBe('host=10.0.0.1 port=5432 user=replicadesk application_name=db2')
    expect(conninfo({ application_name: "a b'c" })).toBe("application_name='a b\\'c'")
  })
})

describe('pg_hba block', () => {
  const block = hbaBlock({ replicationRole: 'replicadesk', addresses: ['10.0.0.2', '10.0.0.1', '10.0.0.2', 'fd00::5'], monitorRoles: ['rdadmin', 'postgres'] })

  it('allows replication (and pg_rewind\'s reads of the postgres database) only from member addresses with scram, and admin logins by peer', () => {
    expect(block[0]).toBe(HBA_BEGIN)
    expect(block.at(-1)).toBe(HBA_END)
    const rows = block.slice(1, -1).map((l) => l.split(/\s+/))
    expect(rows).toEqual([
      ['local', 'postgres', 'rdadmin', 'peer'],
      ['host', 'replication', 'replicadesk', '10.0.0.1/32', 'scram-sha-256'],
      ['host', 'postgres', 'replicadesk', '10.0.0.1/32', 'scram-sha-256'],
      ['host', 'replication', 'replicadesk', '10.0.0.2/32', 'scram-sha-256'],
      ['host', 'postgres', 'replicadesk', '10.0.0.2/32', 'scram-sha-256'],
      ['host', 'replication', 'replicadesk', 'fd00::5/128', 'scram-sha-256'],
      ['host', 'postgres', 'replicadesk', 'fd00::5/128', 'scram-sha-256'],
    ])
    expect(trustLines(block.join('\n'))).toEqual([])
  })

  it('is put at the top once, replaced in place, and removed, keeping the rest of the file', () => {
    const original = '# admin comment\nlocal all postgres peer\nhost all all 0.0.0.0/0 reject\n'
    const once = withHbaBlock(original, block)
    expect(once.startsWith(HBA_BEGIN)).toBe(true)
    expect(once.endsWith(original)).toBe(true)
    expect(withHbaBlock(once, block)).toBe(once)
    expect(currentHbaBlock(once)).toEqual(block)
    const smaller = hbaBlock({ replicationRole: 'replicadesk', addresses: ['10.0.0.1'], monitorRoles: [] })
    expect(currentHbaBlock(withHbaBlock(once, smaller))).toEqual(smaller)
    expect(withHbaBlock(once, [])).toBe(original)
  })

  it('finds trust lines, usable addresses and CIDRs', () => {
    expect(trustLines('# host all all 0/0 trust\nlocal all all trust\nhost all all ::1/128 scram-sha-256')).toEqual(['local all all trust'])
    expect(hostAddresses('10.77.1.11 127.0.0.1 fe80::1 ::1 fd00::2 ')).toEqual(['10.77.1.11', 'fd00::2'])
    expect(cidr('10.1.2.3')).toBe('10.1.2.3/32')
    expect(() => cidr('host1')).toThrow(/not an IP/)
  })
})

describe('pgpass', () => {
  const entries = [
    { host: '10.0.0.1', port: 5432 },
    { host: 'fd00::2', port: 5433 },
  ]
  const theirs = 'db.example:5432:*:app:secret\n'

  it('adds the role\'s lines per member, escaping : and \\, and keeps other lines', () => {
    const file = mergePgpass(theirs, 'replicadesk', 'pw', entries)
    expect(file).toBe(`${theirs}10.0.0.1:5432:*:replicadesk:pw\nfd00\\:\\:2:5433:*:replicadesk:pw\n`)
    expect(findPassword(file, 'replicadesk')).toBe('pw')
    expect(pgpassHosts(file, 'replicadesk')).toEqual(['10.0.0.1:5432', 'fd00::2:5433'])
    expect(mergePgpass(file, 'replicadesk', 'pw', entries)).toBe(file)
    expect(pgpassLine({ host: 'h', port: 1 }, 'r', 'p:w\\')).toBe('h:1:*:r:p\\:w\\\\')
    expect(findPassword(pgpassLine({ host: 'h', port: 1 }, 'r', 'p:w\\'), 'r')).toBe('p:w\\')
  })

  it('removes the lines of a member that leaves, and nothing else', () => {
    const file = mergePgpass(theirs, 'replicadesk', 'pw', entries)
    expect(mergePgpass(file, 'replicadesk', undefined, [], [entries[1]!])).toBe(`${theirs}10.0.0.1:5432:*:replicadesk:pw\n`)
    expect(mergePgpass(file, 'replicadesk', undefined, [], entries)).toBe(theirs)
    expect(mergePgpass('', 'replicadesk', undefined, [], entries)).toBe('')
  })
})

describe('synchronous_standby_names', () => {
  const c = parseCluster({
    id: 'c',
    major: '15',
    sync: { method: 'ANY', num: 1 },
    members: [
      { name: 'db1', host: 'h1', address: '10.0.0.1', dataDir: '/d', access: 'postgres', sync: true },
      { name: 'db2', host: 'h2', address: '10.0.0.2', dataDir: '/d', access: 'postgres', sync: true },
      { name: 'db3', host: 'h3', address: '10.0.0.3', dataDir: '/d', access: 'postgres', sync: true, priority: 10 },
      { name: 'db4', host: 'h4', address: '10.0.0.4', dataDir: '/d', access: 'postgres' },
    ],
  })

  it('names the synchronous members but the member itself, double-quoted, by priority', () => {
    expect(syncNames(c, 'db1')).toBe('ANY 1 ("db3", "db2")')
    expect(syncNames(c, 'db3')).toBe('ANY 1 ("db1", "db2")')
    expect(syncNames(c, 'db4', ['db3'])).toBe('ANY 1 ("db1", "db2")')
    expect(syncNames({ ...c, sync: { method: 'FIRST', num: 5 } }, 'db1')).toBe('FIRST 2 ("db3", "db2")')
    expect(syncNames({ ...c, members: c.members.map((m) => ({ ...m, sync: false })) }, 'db1')).toBe('')
  })

  it('reads values back and tells whether the primary may take one without blocking writes', () => {
    expect(namesIn('ANY 1 ("db3", "db2")')).toEqual(['db3', 'db2'])
    expect(requiredCount('ANY 2 ("a", "b")')).toBe(2)
    expect(requiredCount('')).toBe(0)
    expect(satisfiable('ANY 1 ("db3", "db2")', ['db2'])).toBe(true)
    expect(satisfiable('ANY 2 ("db3", "db2")', ['db2'])).toBe(false)
    expect(satisfiable('', [])).toBe(true)
  })

  it('degrades to what streams, or to none, rather than let writes wait for ever', () => {
    expect(degradedSyncValue(c, 'ANY 1 ("db3", "db2")', ['db2'])).toBe('ANY 1 ("db3", "db2")')
    expect(degradedSyncValue(c, 'ANY 2 ("db3", "db2")', ['db2'])).toBe('ANY 1 ("db2")')
    expect(degradedSyncValue(c, 'ANY 1 ("db3")', [])).toBe('')
  })
})

describe('pg_basebackup progress', () => {
  it('turns "N/M kB (P%)" lines, split anywhere, into monotonic byte counts', () => {
    const seen: BackupProgress[] = []
    const p = new BasebackupProgressParser((x) => seen.push(x))
    p.push('waiting for checkpoint\n1024/2048')
    p.push(' kB (50%), 0/1 tablespace\r2048/2048 kB (100%), 1/1 tablespace\n')
    p.push('pg_basebackup: error: something\n')
    expect(seen).toEqual([
      { bytesDone: 1024 * 1024, bytesTotal: 2048 * 1024 },
      { bytesDone: 2048 * 1024, bytesTotal: 2048 * 1024 },
    ])
    expect(p.messages()).toEqual(['waiting for checkpoint', 'pg_basebackup: error: something'])
  })

  it('never reports a total below what is done (the estimate can be short)', () => {
    const seen: BackupProgress[] = []
    new BasebackupProgressParser((x) => seen.push(x)).push('3000/2900 kB (103%), 0/1 tablespace\n')
    expect(seen[0]).toEqual({ bytesDone: 3000 * 1024, bytesTotal: 3000 * 1024 })
  })
})

describe('claims', () => {
  it('reads a claim file in either line or space form', () => {
    const c = { operation: 'op-1', member: 'db2', dataDir: '/srv/pg/db2', made: true }
    expect(parseClaim('operation=op-1\nmember=db2\ndatadir=/srv/pg/db2\nmade=yes\n')).toEqual(c)
    expect(parseClaim('operation=op-1 member=db2 datadir=/srv/pg/db2 made=yes ')).toEqual(c)
    expect(parseClaim('')).toBeUndefined()
  })
})

describe('rejoin', () => {
  it('reads the member state script, the saved postgresql.auto.conf included', () => {
    const s = parseDirState(['stopped', 'fenced', 'saved', 'savedfile postgresql.auto.conf', 'savedfile postgresql.conf', 'done 20260101-000000-pg-rejoin-abcd', 'rewinding 20260101-000000-pg-rejoin-abcd', 'startconf disabled', 'addrs 10.0.0.5 127.0.0.1 fe80::1', 'pgdata', 'state shut down', 'checksums 0', 'hints on', '@@saved-auto-conf', "port = '5433'", ''].join('\n'))
    expect(s).toMatchObject({ running: false, fenced: true, standby: false, saved: true, savedFiles: ['postgresql.auto.conf', 'postgresql.conf'], done: '20260101-000000-pg-rejoin-abcd', rewinding: '20260101-000000-pg-rejoin-abcd', startConf: 'disabled', addresses: ['10.0.0.5'], pgdata: true, clusterState: 'shut down', checksums: 0, hints: 'on' })
    expect(parseConf(s.savedAuto!).get('port')).toBe('5433')
    expect(parseDirState('running\naddrs \n')).toEqual({ running: true, fenced: false, standby: false, saved: false, savedFiles: [], confMissing: false, addresses: [], pgdata: false })
  })

  it('tells a rewind that only a fresh copy can fix from a connection problem', () => {
    const wal = 'pg_rewind: servers diverged at WAL location 0/400D3A0 on timeline 2\npg_rewind: error: could not find previous WAL record at 0/400D3A0: could not open file "/d/pg_wal/000000020000000000000004": No such file or directory\n'
    expect(explainRewindFailure(wal)).toEqual({ rebuild: true, reason: 'could not find previous WAL record at 0/400D3A0: could not open file "/d/pg_wal/000000020000000000000004": No such file or directory' })
    expect(explainRewindFailure('pg_rewind: error: target server needs to use either data checksums or "wal_log_hints = on"').rebuild).toBe(true)
    expect(explainRewindFailure('pg_rewind: error: connection to server at "10.0.0.1", port 5432 failed: FATAL:  no pg_hba.conf entry for host "10.0.0.2"').rebuild).toBe(false)
    expect(explainRewindFailure('pg_rewind: error: could not fetch remote file "global/pg_control": ERROR:  permission denied for function pg_read_binary_file').rebuild).toBe(false)
  })

  it('grants exactly the functions pg_rewind needs', () => {
    expect(rewindGrantSql('replicadesk')).toBe('GRANT EXECUTE ON FUNCTION pg_catalog.pg_ls_dir(text, boolean, boolean), pg_catalog.pg_stat_file(text, boolean), pg_catalog.pg_read_binary_file(text), pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean) TO "replicadesk"')
  })
})
