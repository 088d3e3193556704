import { describe, expect, it } from 'vitest'
import type { MariaDetectionOutput } from '../../../shared/mariadb'
import { adoptableMaria, adoptChanges, adoptRefusal, debianServerText, describeMariaInstance, mariaFreePort, mariaPrefill, type MariaInstance } from './mariaDetect'

const primary: MariaInstance = {
  port: 3316,
  dataDir: '/srv/mariadb/db1',
  version: '10.11.19-MariaDB-0+deb12u1-log',
  role: 'primary',
  layout: 'plain',
  socket: '/run/mysqld/rd-3316.sock',
  serverId: 1,
  logBin: true,
  binlogFormat: 'ROW',
  gtidStrictMode: true,
  logSlaveUpdates: true,
  readOnly: false,
  replication: [],
}
const replica: MariaInstance = { ...primary, port: 3317, dataDir: '/srv/mariadb/db2', role: 'replica', replication: [{ connection: '', masterHost: '10.77.0.11', masterPort: 3316, ioRunning: 'Yes', sqlRunning: 'Yes', lastError: '' }] }
const debianStopped: MariaInstance = { port: 3306, dataDir: '/var/lib/mysql', socket: '/run/mysqld/mysqld.sock', role: 'stopped', layout: 'debian', name: 'mariadb.service' }
const detection = (instances: MariaInstance[]): MariaDetectionOutput => ({ host: 'host1', loginUser: 'admin', addresses: ['10.77.0.11'], versions: [], instances, debian: { conf: true, unit: true, datadir: 'initialised' } })

describe('MariaDB detection in the create wizard', () => {
  it('adopts a running primary; refuses a replica, a stopped server and one it could not read, saying why', () => {
    expect(adoptRefusal(primary)).toBeNull()
    expect(adoptRefusal(replica)).toMatch(/replicates from 10\.77\.0\.11:3316: it is a replica/)
    expect(adoptRefusal({ ...replica, replication: undefined })).toMatch(/^It replicates: it is a replica/)
    expect(adoptRefusal(debianStopped)).toMatch(/systemctl start mariadb/)
    expect(adoptRefusal({ ...primary, role: 'unknown', error: 'Access denied' })).toMatch(/could not read it: Access denied/)
    expect(adoptableMaria(detection([primary, replica, debianStopped])).map((i) => i.port)).toEqual([3316])
    expect(adoptableMaria(undefined)).toEqual([])
  })

  it('says what adopt changes: the binary log takes a restart, the format and GTID strict mode are set at once', () => {
    expect(adoptChanges(primary)).toEqual([])
    const bare = adoptChanges({ ...primary, logBin: false, logSlaveUpdates: false, binlogFormat: 'MIXED', gtidStrictMode: false })
    expect(bare[0]).toMatch(/binary log is off.*restart/)
    expect(bare.join(' ')).toContain('binlog_format is MIXED: set to ROW')
    expect(bare.join(' ')).toContain('gtid_strict_mode is off')
  })

  it('describes a server and fills the placement from it', () => {
    expect(describeMariaInstance(primary)).toBe('MariaDB 10.11.19 · primary · plain datadir · server_id 1 · binary log ROW · read_only OFF')
    expect(describeMariaInstance(debianStopped)).toBe('MariaDB · stopped · Debian server (mariadb.service)')
    expect(mariaPrefill(primary)).toEqual({ port: '3316', dataDir: '/srv/mariadb/db1', layout: 'plain' })
    expect(mariaPrefill(debianStopped)).toEqual({ port: '3306', dataDir: '/var/lib/mysql', layout: 'debian' })
  })

  it('a new primary gets a port no server on the host listens on', () => {
    expect(mariaFreePort(undefined)).toBe('3306')
    expect(mariaFreePort(detection([{ ...primary, port: 3306 }, { ...replica, port: 3307 }]))).toBe('3308')
  })

  it('Debian\'s own server in words', () => {
    expect(debianServerText({ conf: false, unit: false, datadir: 'missing' })).toMatch(/No Debian MariaDB server/)
    expect(debianServerText({ conf: true, unit: true, datadir: 'initialised' })).toMatch(/\/var\/lib\/mysql holds an initialised server\. Adopt it/)
    expect(debianServerText({ conf: true, unit: true, datadir: 'empty' })).toMatch(/can use the Debian layout/)
  })
})
