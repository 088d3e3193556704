// The MariaDB engine's status figures, pure: the poll's two result sets parsed, roles and
// writability (split brain), GTID distance and lag per replica, semi-sync, upstream names, the
// server's errors read as down reasons, and the files a look at a stopped server reads.
import { describe, expect, it } from 'vitest'
import type { MemberView } from '../../engine'
import { derive } from './derive'
import { statusMembers } from './members'
import { maskSecrets, parseSample, type MariaSample, type SlaveThreads } from '../sample'
import { accessAdvice, mariaDownReason } from './reasons'
import { DECLINED_AUTH_PLUGINS, statementTimeoutSql } from './session'
import { endpointOf, mariadbStatus } from './source'
import { stoppedArgs } from './stopped'

const NOW = 1_800_000_000_000

function sample(over: Partial<MariaSample> = {}): MariaSample {
  return {
    serverMs: NOW,
    readOnly: false,
    serverId: 1,
    version: '10.11.19-MariaDB-0+deb12u1-log',
    startedMs: NOW - 60_000,
    gtidCurrentPos: '0-1-100',
    gtidBinlogPos: '0-1-100',
    gtidSlavePos: '',
    semiMasterEnabled: false,
    semiSlaveEnabled: false,
    semiMasterOn: false,
    semiSlaveOn: false,
    semiClients: 0,
    dataDir: '/srv/m1',
    errorLog: '/srv/m1/mariadbd.err',
    pidFile: '/srv/m1/mariadbd.pid',
    slaves: [],
    ...over,
  }
}

const thread = (over: Partial<SlaveThreads> = {}): SlaveThreads => ({
  connection: '',
  ioRunning: 'Yes',
  sqlRunning: 'Yes',
  lastIoError: null,
  lastSqlError: null,
  secondsBehind: 0,
  masterHost: '10.0.0.1',
  masterPort: 3306,
  gtidIoPos: '0-1-100',
  usingGtid: 'Slave_Pos',
  ...over,
})

const replica = (pos: string, over: Partial<MariaSample> = {}, t: Partial<SlaveThreads> = {}) =>
  sample({ readOnly: true, serverId: 2, gtidCurrentPos: pos, gtidBinlogPos: pos, gtidSlavePos: pos, slaves: [thread(t)], ...over })

const view = (name: string, s: MariaSample | null, over: Partial<MemberView<MariaSample>> = {}): MemberView<MariaSample> => ({
  name,
  host: `h-${name}`,
  port: 3306,
  aliases: [name, `h-${name}`],
  instanceKey: `k-${name}`,
  state: s ? 'up' : 'down',
  down: null,
  sample: s,
  fresh: !!s,
  disk: null,
  ...over,
})

describe('the poll answer', () => {
  it('reads the SELECT row and the slave rows as mysql2 returns them (strings for big numbers)', () => {
    const s = parseSample(
      {
        ro: 1, sid: '3', ver: '10.11.19-MariaDB', cur: '0-1-7,\n1-3-2', bin: '0-1-7', slv: '0-1-7', sme: 0, sse: 1,
        dd: '/var/lib/mysql/', le: '', pf: '/run/mysqld/mysqld.pid', now_s: '1800000000.250000',
        st: 'RPL_SEMI_SYNC_MASTER_CLIENTS=0,RPL_SEMI_SYNC_MASTER_STATUS=OFF,RPL_SEMI_SYNC_SLAVE_STATUS=ON,UPTIME=120',
      },
      [{ Connection_name: '', Slave_IO_Running: 'Yes', Slave_SQL_Running: 'No', Last_IO_Error: '', Last_SQL_Error: "Error 'Duplicate entry'", Seconds_Behind_Master: null, Master_Host: 'db1', Master_Port: '3306', Gtid_IO_Pos: '0-1-9', Using_Gtid: 'Slave_Pos' }],
    )
    expect(s).toMatchObject({ readOnly: true, serverId: 3, serverMs: 1_800_000_000_250, startedMs: 1_800_000_000_250 - 120_000, gtidCurrentPos: '0-1-7,1-3-2', semiSlaveEnabled: true, semiSlaveOn: true, semiMasterOn: false, dataDir: '/var/lib/mysql', errorLog: null })
    expect(s.slaves).toEqual([{ connection: '', ioRunning: 'Yes', sqlRunning: 'No', lastIoError: null, lastSqlError: "Error 'Duplicate entry'", secondsBehind: null, masterHost: 'db1', masterPort: 3306, gtidIoPos: '0-1-9', usingGtid: 'Slave_Pos' }])
  })

  it('masks the passwords a failed replicated statement quotes in Last_SQL_Error', () => {
    const e = "Error 'Operation CREATE USER failed for 'repl'@'%'' on query. Default database: ''. Query: 'CREATE USER repl@'%' IDENTIFIED BY 'x''"
    expect(parseSample({}, [{ Last_SQL_Error: e }]).slaves[0]!.lastSqlError).toBe("Error 'Operation CREATE USER failed for 'repl'@'%'' on query. Default database: ''. Query: 'CREATE USER repl@'%' IDENTIFIED BY '***'")
    expect(maskSecrets("CHANGE MASTER TO master_host='db1', MASTER_PASSWORD = 'p''w', master_port=3306")).toBe("CHANGE MASTER TO master_host='db1', MASTER_PASSWORD = '***', master_port=3306")
    expect(maskSecrets("ALTER USER a IDENTIFIED VIA mysql_native_password USING PASSWORD('s3cret')")).toBe("ALTER USER a IDENTIFIED VIA mysql_native_password USING PASSWORD('***')")
    expect(maskSecrets("SET PASSWORD FOR a = PASSWORD(\"x\")")).toBe("SET PASSWORD FOR a = PASSWORD('***')")
    expect(maskSecrets("ALTER USER r IDENTIFIED BY PASSWORD '*94BDCEBE19083CE2A1F959FD02F964C7AF4CFC29'")).toBe("ALTER USER r IDENTIFIED BY PASSWORD '***'")
    expect(maskSecrets("Duplicate entry '1' for key 'PRIMARY'")).toBe("Duplicate entry '1' for key 'PRIMARY'")
  })

  it('never throws on odd values', () => {
    const s = parseSample({ ro: 'garbage', now_s: null, st: 42 }, [{}])
    expect(s.readOnly).toBe(false)
    expect(s.startedMs).toBeNull()
    expect(s.slaves[0]).toMatchObject({ ioRunning: '?', sqlRunning: '?', secondsBehind: null, masterHost: null })
  })

  it("answers MariaDB's own client plugins with no credentials, so a chain goes on to unix_socket", () => {
    const answer = (name: keyof typeof DECLINED_AUTH_PLUGINS) => DECLINED_AUTH_PLUGINS[name]()()
    expect(answer('client_ed25519')).toEqual(Buffer.alloc(64)) // an invalid signature
    for (const name of ['auth_gssapi_client', 'dialog', 'mysql_clear_password'] as const) expect(answer(name)).toEqual(Buffer.from([0]))
  })

  it('bounds every statement of the session on the server', () => {
    expect(statementTimeoutSql(1000)).toBe('SET SESSION max_statement_time = 1.000')
    expect(statementTimeoutSql(10)).toBe('SET SESSION max_statement_time = 0.100')
  })
})

describe('roles, writability and split brain', () => {
  it('a member without replication is the primary; with a connection configured (running or not) a standby', () => {
    const d = derive([view('db1', sample()), view('db2', replica('0-1-100', {}, { ioRunning: 'No', sqlRunning: 'No', secondsBehind: null }))])
    expect(d.members.map((m) => [m.role, m.writable])).toEqual([['primary', true], ['standby', false]])
    expect(d.position).toBeNull()
    expect(d.otherSlots).toEqual([])
  })

  it('writable is read_only OFF whatever the role: two such members are both writable (status raises split brain)', () => {
    const d = derive([view('db1', sample()), view('db2', replica('0-1-100', { readOnly: false }))])
    expect(d.members.map((m) => m.writable)).toEqual([true, true])
    const two = derive([view('db1', sample()), view('db2', sample({ serverId: 2 }))])
    expect(two.members.map((m) => [m.role, m.writable])).toEqual([['primary', true], ['primary', true]])
    // no single primary: no distance can be measured for a replica of either
    const three = derive([view('db1', sample()), view('db2', sample({ serverId: 2 })), view('db3', replica('0-1-90'))])
    expect(three.members[2]!.gtid!.behindTransactions).toBeNull()
  })

  it('a read-only member without replication is a primary that takes no writes', () => {
    expect(derive([view('db1', sample({ readOnly: true }))]).members[0]).toMatchObject({ role: 'primary', writable: false })
  })
})

describe('replication figures', () => {
  it('fills the GTID block and measures the distance against the primary binlog position', () => {
    const d = derive([view('db1', sample({ gtidBinlogPos: '0-1-100,1-1-20', gtidCurrentPos: '0-1-100,1-1-20' })), view('db2', replica('0-1-97,1-1-20', {}, { secondsBehind: 4, masterHost: 'h-db1' }))])
    const [p, r] = d.members
    expect(p).toMatchObject({ lagSeconds: 0, upstream: null, gtid: { behindTransactions: 0, ioRunning: null, sqlRunning: null, semiSync: 'disabled', readOnly: false } })
    expect(r).toMatchObject({ role: 'standby', upstream: 'db1', lagSeconds: 4, lagBytes: null, gtid: { behindTransactions: 3, ioRunning: 'Yes', sqlRunning: 'Yes', currentPos: '0-1-97,1-1-20', readOnly: true } })
    expect(r!.startedAt).toBe(new Date(NOW - 60_000).toISOString())
  })

  it('an idle, caught-up replica lags 0 s; a stopped SQL thread shows its error and an unknown lag', () => {
    const d = derive([view('db1', sample()), view('db2', replica('0-1-100', {}, { secondsBehind: 7 })), view('db3', replica('0-1-95', {}, { sqlRunning: 'No', secondsBehind: null, lastSqlError: 'Duplicate entry' }))])
    expect(d.members[1]).toMatchObject({ lagSeconds: 0, gtid: { behindTransactions: 0 } })
    expect(d.members[2]).toMatchObject({ lagSeconds: null, gtid: { behindTransactions: 5, sqlRunning: 'No', lastSqlError: 'Duplicate entry' } })
  })

  it('names the upstream by address and port, else host:port', () => {
    const d = derive([view('db1', sample(), { aliases: ['10.0.0.1', 'h-db1'] }), view('db2', replica('0-1-100')), view('db3', replica('0-1-100', {}, { masterHost: '10.9.9.9', masterPort: 3307 }))])
    expect(d.members.map((m) => m.upstream)).toEqual([null, 'db1', '10.9.9.9:3307'])
  })

  it('semi-sync: the primary master side (off after a fall-back), a replica slave side', () => {
    const d = derive([
      view('db1', sample({ semiMasterEnabled: true, semiMasterOn: false })),
      view('db2', replica('0-1-100', { semiSlaveEnabled: true, semiSlaveOn: true })),
      view('db3', replica('0-1-100')),
    ])
    expect(d.members.map((m) => m.gtid!.semiSync)).toEqual(['off', 'on', 'disabled'])
  })

  it('a down member keeps its last answer, marked stale, without figures against the primary', () => {
    const d = derive([view('db1', sample()), view('db2', replica('0-1-90'), { state: 'down', fresh: false })])
    expect(d.members[1]).toMatchObject({ stale: true, role: 'standby', lagSeconds: null, gtid: { behindTransactions: null, currentPos: '0-1-90' } })
    const never = derive([view('db1', null)])
    expect(never.members[0]).toMatchObject({ role: null, writable: null, gtid: null })
  })

  it('one server listed under two names is one primary', () => {
    const d = derive([view('db1', sample()), view('alias', sample(), { instanceKey: 'k-db1' }), view('db2', replica('0-1-99'))])
    expect(d.members[2]!.gtid!.behindTransactions).toBe(1)
  })
})

describe("MariaDB's errors as down reasons", () => {
  const who = { name: 'db2', host: 'pi2', user: 'rdadmin' }
  const err = (errno: number, message: string, code = '') => Object.assign(new Error(message), { errno, code })

  it('a refused login names the exact statements to run', () => {
    for (const n of [1045, 1698]) {
      const r = mariaDownReason(who, err(n, "Access denied for user 'rdadmin'@'localhost'"))!
      expect(r.code).toBe('no_access')
      expect(r.reason).toContain("CREATE USER IF NOT EXISTS 'rdadmin'@'localhost' IDENTIFIED VIA unix_socket")
      expect(r.reason).toContain("GRANT SLAVE MONITOR, BINLOG MONITOR, PROCESS ON *.* TO 'rdadmin'@'localhost'")
    }
    expect(mariaDownReason(who, err(1227, 'Access denied; you need (at least one of) the SUPER, SLAVE MONITOR privilege(s)'))).toMatchObject({ code: 'no_access', reason: expect.stringContaining('GRANT SLAVE MONITOR') })
    expect(accessAdvice('root')).toBe("GRANT SLAVE MONITOR, BINLOG MONITOR, PROCESS ON *.* TO 'root'@'localhost';")
  })

  it('shutdown, statement timeout, a killed or lost session', () => {
    expect(mariaDownReason(who, err(1053, 'Server shutdown in progress'))!.code).toBe('shutting_down')
    // an error packet outside a query: mysql2 passes the number as `code`
    expect(mariaDownReason(who, Object.assign(new Error('Server shutdown in progress'), { code: 1053 }))!.code).toBe('shutting_down')
    expect(mariaDownReason(who, err(1969, 'Query execution was interrupted (max_statement_time exceeded)'))!.code).toBe('timeout')
    expect(mariaDownReason(who, err(1927, 'Connection was killed'))!.code).toBe('connection_lost')
    expect(mariaDownReason(who, Object.assign(new Error('Connection lost: The server closed the connection.'), { code: 'PROTOCOL_CONNECTION_LOST' }))!.code).toBe('connection_lost')
    expect(mariaDownReason(who, err(1040, 'Too many connections'))).toMatchObject({ code: 'query_failed', reason: expect.stringContaining('max_connections') })
  })

  it('leaves what is not the server to status', () => {
    expect(mariaDownReason(who, new Error('channel open failed'))).toBeNull()
    expect(mariaDownReason(who, 'x')).toBeNull()
  })
})

describe('members and their files', () => {
  const target = (host: string) => ({ address: `${host}.lan`, user: 'rdadmin' })
  const c = {
    id: 'home',
    members: [
      { name: 'db1', host: 'pi1', address: '10.0.0.1', port: 3306, dataDir: '/var/lib/mysql', layout: 'debian' as const },
      { name: 'db2', host: 'pi2', address: '10.0.0.2', port: 3307, dataDir: '/srv/mariadb/db2', layout: 'plain' as const, socket: undefined },
    ],
  }

  it('brings its own source, the socket of each layout, and the files of a stopped server', () => {
    const s = statusMembers(c, target)
    expect(s.source).toBe(mariadbStatus)
    expect(s.members.map((m) => [m.socketPath, endpointOf(m), m.logFile])).toEqual([
      ['/run/mysqld/mysqld.sock', '/run/mysqld/mysqld.sock', '/var/log/mysql/error.log'],
      ['/run/mysqld/rd-3307.sock', '/run/mysqld/rd-3307.sock', '/srv/mariadb/db2/mariadbd.err'],
    ])
    expect(s.members[0]).toMatchObject({ pidFile: '/run/mysqld/mysqld.pid', unit: 'mariadb', serverUser: 'mysql', target: { address: 'pi1.lan' } })
    expect(s.members[1]).not.toHaveProperty('unit')
  })

  it("prefers what the server said last (its own @@log_error, @@pid_file) to the record's defaults", () => {
    const m = statusMembers(c, target).members[1]!
    expect(stoppedArgs(m, { last: sample({ errorLog: '/var/log/other.err', pidFile: '/run/x.pid' }) })).toEqual({ dataDir: '/srv/mariadb/db2', pidFile: '/run/x.pid', log: '/var/log/other.err', unit: '-' })
    expect(stoppedArgs(m, { last: sample({ errorLog: null }) })).toMatchObject({ log: '/srv/mariadb/db2/mariadbd.err' })
    expect(stoppedArgs({ ...m, dataDir: undefined, pidFile: undefined }, { last: null })).toMatchObject({ dataDir: undefined, pidFile: '-' })
  })
})
