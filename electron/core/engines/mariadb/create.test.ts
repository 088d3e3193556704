// Pure logic of the MariaDB engine's primitives and create/adopt: option file text, SQL
// quoting and row/error parsing, the adopt judgement, probes, detection and plan sentences.
import { describe, expect, it } from 'vitest'
import { AppError } from '../../../../shared/errors'
import { passwordFileText, passwordIn, replicationUserSql, statusLoginComplete, statusLoginSql, generatePassword } from './access'
import { memberSettings, optionFileText } from './conf'
import { adoptChanges, keptBinlog } from './create-cluster/adopt'
import { parseInitState } from './create-cluster/claim'
import { judgeAddress, judgeNewServer, parseProbe } from './create-cluster/probe'
import { createClusterSummary } from './create-cluster/summary'
import { createClusterParams } from './create-cluster'
import { parseDetect } from './detect-script'
import { parseFacts, FACTS_SQL } from './facts'
import { optionFile, parseCluster, replicationOptionFile } from './model'
import { account, ident, lit, nativePasswordHash, parseRows, parseSqlError, sqlFailure } from './sql'
import { parseMariaVersions } from './versions'

const cluster = (over: Record<string, unknown> = {}) =>
  parseCluster({ engine: 'mariadb', id: 'home', members: [{ name: 'db1', host: 'pi1', address: '10.0.0.11', port: 3307, dataDir: '/srv/mariadb/db1', serverId: 1 }], ...over })

describe('option file', () => {
  it('carries every replication setting, the semi-sync values of the record, and the plain paths', () => {
    const c = cluster({ semiSync: { enabled: true, timeoutMs: 5000 } })
    const m = { ...c.members[0]!, sync: true }
    const text = optionFileText(c, m)
    expect(text).toContain('[mariadbd]\n')
    for (const line of ['datadir = /srv/mariadb/db1', 'port = 3307', 'socket = /run/mysqld/rd-3307.sock', 'pid-file = /srv/mariadb/db1/mariadbd.pid', 'log_error = /srv/mariadb/db1/mariadbd.err', 'bind-address = 10.0.0.11', 'skip-name-resolve = ON', 'server_id = 1', 'log_bin = binlog', 'binlog_format = ROW', 'log_slave_updates = ON', 'gtid_strict_mode = ON', 'relay_log = relay-bin', 'rpl_semi_sync_master_enabled = ON', 'rpl_semi_sync_slave_enabled = ON', 'rpl_semi_sync_master_wait_point = AFTER_SYNC', 'rpl_semi_sync_master_timeout = 5000']) {
      expect(text.split('\n')).toContain(line)
    }
    expect(optionFile(m)).toBe('/etc/mysql/replicadesk/rd-3307.cnf')
  })
  it('Debian: a drop-in without pid file and log, the running binlog basename kept, an include first', () => {
    const c = cluster()
    const m = { ...c.members[0]!, layout: 'debian' as const, dataDir: '/var/lib/mysql', port: 3306 }
    const names = memberSettings(c, m, { logBin: '/var/log/mysql/mysql-bin' }).map(([k]) => k)
    expect(names).not.toContain('pid-file')
    expect(memberSettings(c, m, { logBin: '/var/log/mysql/mysql-bin' })).toContainEqual(['log_bin', '/var/log/mysql/mysql-bin'])
    expect(optionFile(m)).toBe('/etc/mysql/mariadb.conf.d/60-replicadesk.cnf')
    expect(optionFileText(c, m, {}, '/etc/old.cnf')).toMatch(/^!include \/etc\/old\.cnf\n\[mariadbd\]$/m)
  })
})

describe('SQL text and the client', () => {
  it('quotes literals, identifiers and accounts, and refuses what cannot be quoted safely', () => {
    expect(lit("it's")).toBe("'it''s'")
    expect(ident('a`b')).toBe('`a``b`')
    expect(account('rep', '10.0.0.2')).toBe("'rep'@'10.0.0.2'")
    expect(() => lit('a\\b')).toThrow(AppError)
    expect(() => lit('a\0b')).toThrow(/NUL/)
  })
  it('parses batch rows: tabs, NULL and escapes', () => {
    expect(parseRows('1\tNULL\ta\\tb\\\\c\\nd\n2\t\tx\n')).toEqual([
      ['1', null, 'a\tb\\c\nd'],
      ['2', '', 'x'],
    ])
    expect(parseRows('')).toEqual([])
  })
  it('turns client errors into messages naming host, member and what to do', () => {
    expect(parseSqlError('ERROR 1054 (42S22) at line 1: Unknown column')).toEqual({ errno: 1054, sqlstate: '42S22', text: 'Unknown column' })
    const m = cluster().members[0]!
    const down = sqlFailure(m, "ERROR 2002 (HY000): Can't connect to local server through socket '/run/mysqld/rd-3307.sock' (2)", 1)
    expect(down.code).toBe('cluster_state')
    expect(down.message).toContain('db1 on pi1')
    const denied = sqlFailure(m, "ERROR 1698 (28000): Access denied for user 'mysql'@'localhost'", 1)
    expect(denied.message).toMatch(/CREATE USER IF NOT EXISTS mysql@localhost IDENTIFIED VIA unix_socket/)
    expect(sqlFailure(m, 'mariadb: command not found', 127).message).toContain('installed')
  })
  it('hashes passwords as mysql_native_password does', () => {
    expect(nativePasswordHash('password')).toBe('*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19')
  })
})

describe('access', () => {
  it('status login: unix_socket and monitor grants only; none for mysql and root', () => {
    const sql = statusLoginSql('rdadmin').join(';')
    expect(sql).toContain("'rdadmin'@'localhost' IDENTIFIED VIA unix_socket")
    expect(sql).toContain('GRANT SLAVE MONITOR, BINLOG MONITOR, PROCESS ON *.*')
    expect(sql).not.toMatch(/SUPER|READ_ONLY ADMIN|ALL/)
    expect(statusLoginSql('mysql')).toEqual([])
    expect(statusLoginComplete(['GRANT PROCESS, BINLOG MONITOR, SLAVE MONITOR ON *.* TO `rdadmin`@`localhost` IDENTIFIED VIA unix_socket'])).toBe(true)
    expect(statusLoginComplete(['GRANT PROCESS ON *.* TO `rdadmin`@`localhost` IDENTIFIED VIA unix_socket'])).toBe(false)
  })
  it('replication user: the hash, never the password; the password only in its file', () => {
    const pw = generatePassword()
    expect(pw).toMatch(/^[A-Za-z0-9]{32}$/)
    const sql = replicationUserSql('replicadesk', ['10.0.0.11', '10.0.0.12'], pw).join(';')
    expect(sql).not.toContain(pw)
    expect(sql).toContain(`'replicadesk'@'10.0.0.12' IDENTIFIED BY PASSWORD '${nativePasswordHash(pw)}'`)
    expect(sql).toContain("GRANT REPLICATION SLAVE ON *.* TO 'replicadesk'@'10.0.0.11'")
    const c = cluster()
    expect(passwordIn(passwordFileText(c, pw))).toBe(pw)
    expect(passwordFileText(c, pw)).toMatch(/^\[client\]\nuser=replicadesk\npassword=/m)
    expect(replicationOptionFile(c)).toBe('/etc/mysql/replicadesk/replication-home.cnf')
  })
})

const facts = (over: Partial<Record<string, string>> = {}) => {
  const v: Record<string, string> = {
    version: '10.11.19-MariaDB-0+deb12u1-log', datadir: '/srv/mariadb/db1/', port: '3307', socket: '/run/mysqld/rd-3307.sock', pid_file: '/srv/mariadb/db1/mariadbd.pid', bind_address: '10.0.0.11', skip_name_resolve: '1', server_id: '1', log_bin: '1', log_bin_basename: '/srv/mariadb/db1/binlog', relay_log_basename: '/srv/mariadb/db1/relay-bin', binlog_format: 'ROW',
    gtid_strict_mode: '1', log_slave_updates: '1', read_only: '0', gtid_current_pos: '0-1-5', gtid_binlog_pos: '0-1-5', gtid_slave_pos: '', rpl_semi_sync_master_enabled: '0', rpl_semi_sync_slave_enabled: '0', rpl_semi_sync_master_wait_point: 'AFTER_SYNC', rpl_semi_sync_master_timeout: '10000', ...over,
  }
  const order = [...FACTS_SQL.matchAll(/@@GLOBAL\.(\w+)/g)].map((x) => x[1]!)
  return parseFacts(order.map((k) => v[k]!), [])
}

describe('adopt', () => {
  it('nothing to change on a server that runs as the record says', () => {
    const c = cluster()
    const f = facts()
    expect(f.dataDir).toBe('/srv/mariadb/db1')
    expect(f.version).toBe('10.11.19')
    expect(adoptChanges(c, c.members[0]!, f, true)).toEqual({ diffs: [], setGlobal: [], restartFor: [] })
  })
  it('dynamic settings are SET GLOBAL; log_bin, bind-address and a foreign start need a restart', () => {
    const c = cluster({ semiSync: { enabled: true, timeoutMs: 10_000 } })
    const f = facts({ server_id: '7', binlog_format: 'MIXED', log_bin: '0', log_bin_basename: '', bind_address: '127.0.0.1' })
    const ch = adoptChanges(c, c.members[0]!, f, false)
    expect(ch.setGlobal).toEqual(['SET GLOBAL server_id = 1', "SET GLOBAL binlog_format = 'ROW'", "SET GLOBAL rpl_semi_sync_master_enabled = 'ON'"])
    expect(ch.diffs[0]).toEqual({ setting: 'server_id', server: '7', wanted: '1' })
    expect(ch.restartFor.map((r) => r.split(' ')[0])).toEqual(['bind-address', 'log_bin', "ReplicaDesk's"])
  })
  it('keeps a running binary log basename, relative inside the datadir', () => {
    expect(keptBinlog({ logBin: true, logBinBasename: '/var/lib/mysql/mysql-bin', dataDir: '/var/lib/mysql' })).toEqual({ logBin: 'mysql-bin' })
    expect(keptBinlog({ logBin: true, logBinBasename: '/var/log/mysql/b', dataDir: '/var/lib/mysql' })).toEqual({ logBin: '/var/log/mysql/b' })
    expect(keptBinlog({ logBin: false, logBinBasename: '', dataDir: '/x' })).toEqual({})
  })
})

describe('probes and detection', () => {
  it('refuses a busy port, a socket that answers, missing tools, another server\'s option file', () => {
    const m = cluster().members[0]!
    const ok = parseProbe('tool mariadbd yes\ntool mariadb yes\nversion mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu\n')
    expect(ok.version).toBe('10.11.19')
    expect(() => judgeNewServer(m, ok)).not.toThrow()
    expect(() => judgeNewServer(m, { ...ok, portBusy: true })).toThrow(/Port 3307 on pi1 is in use/)
    expect(() => judgeNewServer(m, { ...ok, socketAnswers: true })).toThrow(/Adopt it instead/)
    expect(() => judgeNewServer(m, parseProbe('tool mariadb-install-db no\n'))).toThrow(/lacks mariadb-install-db/)
    expect(() => judgeNewServer(m, parseProbe('conf /srv/other\n'))).toThrow(/another server on port 3307/)
    expect(() => judgeNewServer({ ...m, layout: 'debian' }, ok)).toThrow(/no mariadb unit/)
    expect(parseProbe('addrs 10.0.0.11 10.1.0.1 \n').addresses).toEqual(['10.0.0.11', '10.1.0.1'])
    expect(() => judgeAddress(m, { addresses: ['10.0.0.11'] })).not.toThrow()
    expect(() => judgeAddress({ ...m, address: 'db1.lan' }, { addresses: ['10.0.0.12'] })).not.toThrow()
    expect(() => judgeAddress(m, { addresses: ['10.0.0.12'] })).toThrow(/10\.0\.0\.11, the address of db1, is not an address of pi1 \(it has 10\.0\.0\.12\)/)
  })
  it('reads the init claim and its marker', () => {
    expect(parseInitState('operation=op1\nmember=db1\ndatadir=/d\nmade=yes\ninitialised op1\n')).toEqual({ claim: { operation: 'op1', made: true }, initialised: 'op1' })
    expect(parseInitState('')).toEqual({ initialised: undefined })
  })
  it('parses the detection script and the host probe', () => {
    const d = parseDetect('login rdadmin\naddrs 10.0.0.11 127.0.0.1 fe80::1\nbin /usr/sbin/mariadbd mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian\ndebian conf\ndebian unit\ndebian datadir initialised\nproc 42|/var/lib/mysql|/run/mysqld/mysqld.sock|3306|-\nproc 43|/srv/m/db1/|/run/mysqld/rd-3307.sock|3307|/etc/mysql/replicadesk/rd-3307.cnf\n')
    expect(d.login).toBe('rdadmin')
    expect(d.addresses).toEqual(['10.0.0.11'])
    expect(d.bins).toEqual([{ path: '/usr/sbin/mariadbd', version: '10.11.19' }])
    expect(d.debian).toEqual({ conf: true, unit: true, datadir: 'initialised' })
    expect(d.processes).toEqual([
      { pid: 42, dataDir: '/var/lib/mysql', socket: '/run/mysqld/mysqld.sock', port: 3306 },
      { pid: 43, dataDir: '/srv/m/db1', socket: '/run/mysqld/rd-3307.sock', port: 3307, defaultsFile: '/etc/mysql/replicadesk/rd-3307.cnf' },
    ])
    expect(parseMariaVersions('mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for x\nmysqld  Ver 10.5.2-MariaDB for y\nmysqld  Ver 8.0.36 for Linux\n')).toEqual(['10.5.2', '10.11.19'])
  })
})

describe('plan summary', () => {
  it('init: what is made, how it runs, nothing to lose, where the password lives', () => {
    const p = createClusterParams.parse({ cluster: cluster({ semiSync: { enabled: true, timeoutMs: 10_000 } }), primary: 'db1', mode: 'init' })
    const s = createClusterSummary(p).join(' ')
    expect(s).toContain('A new MariaDB server, db1, is created in pi1:/srv/mariadb/db1')
    expect(s).toContain('no unit')
    expect(s).toContain('datadir must be missing or empty')
    expect(s).toContain('/etc/mysql/replicadesk/replication-home.cnf, readable by mysql only')
    expect(s).toContain('one replica')
  })
  it('adopt: log_bin is restart-only; a refused restart stops the plan there', () => {
    const p = createClusterParams.parse({ cluster: cluster(), primary: 'db1', mode: 'adopt', allowRestart: false })
    const s = createClusterSummary(p).join(' ')
    expect(s).toContain('The binary log (log_bin), log_slave_updates, the listen address and the port only change at a restart')
    expect(s).toContain('you restart db1 yourself')
    expect(s).toContain('Nothing is copied and nothing can be lost.')
  })
})
