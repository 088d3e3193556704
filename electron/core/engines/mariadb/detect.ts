// What MariaDB a host has: installed server versions, Debian's layout (/etc/mysql, the
// mariadb unit, /var/lib/mysql), and every running mariadbd with what replication needs to
// know of it (version, datadir, port, socket, binary log and GTID settings, server_id,
// read_only, the replication it runs: SHOW ALL SLAVES STATUS). Reads only.
import type { DetectedInstance, HostDetection, InstalledVersion } from '../engine'
import type { HostExec } from '../host-exec'
import { DETECT, parseDetect } from './detect-script'
import { DEBIAN_DATADIR, type MariaMember } from './model'
import { MariaNode } from './node'
import { readFacts } from './facts'

export interface MariaReplicationSeen {
  connection: string
  masterHost: string
  masterPort: number
  ioRunning: string
  sqlRunning: string
}

export interface MariaInstance extends DetectedInstance {
  socket: string
  serverId?: number
  logBin?: boolean
  binlogFormat?: string
  gtidStrictMode?: boolean
  logSlaveUpdates?: boolean
  readOnly?: boolean
  gtidCurrentPos?: string
  replication?: MariaReplicationSeen[]
  /** Why the server could not be read (it runs, but refused or did not answer). */
  error?: string
}

export interface MariaDetection extends HostDetection {
  instances: MariaInstance[]
  /** Debian's own server: its option files, its unit, and what /var/lib/mysql holds. */
  debian: { conf: boolean; unit: boolean; datadir: 'missing' | 'empty' | 'initialised' | 'other' | 'unknown' }
}

/** A stand-in member to run commands on a host before any member is known. */
export const probeMember = (host: string, over: Partial<MariaMember> = {}): MariaMember => ({ name: 'detect', host, address: host, port: 3306, dataDir: '/', layout: 'plain', access: 'sudo', serverId: 1, sync: false, priority: 100, neverPromote: false, ...over })

async function readInstance(hosts: HostExec, host: string, p: { dataDir: string; socket: string; port: number }): Promise<MariaInstance> {
  const base: MariaInstance = { port: p.port, dataDir: p.dataDir, socket: p.socket, role: 'unknown', layout: 'plain' }
  try {
    const f = await readFacts(new MariaNode(hosts, probeMember(host, { socket: p.socket, port: p.port })), 15_000)
    const replication = f.follows.map((s) => ({ connection: s.connection, masterHost: s.masterHost, masterPort: s.masterPort, ioRunning: s.ioRunning, sqlRunning: s.sqlRunning }))
    const { version, dataDir, port, socket, serverId, logBin, binlogFormat, gtidStrictMode, logSlaveUpdates, readOnly, gtidCurrentPos } = f
    return { ...base, version, dataDir, port, socket, serverId, logBin, binlogFormat, gtidStrictMode, logSlaveUpdates, readOnly, gtidCurrentPos, replication, role: replication.length ? 'replica' : 'primary' }
  } catch (err) {
    return { ...base, error: (err as Error).message }
  }
}

export async function detect(hosts: HostExec, host: string): Promise<MariaDetection> {
  const n = new MariaNode(hosts, probeMember(host))
  const f = parseDetect((await n.run(n.root(['sh', '-c', DETECT, 'sh']), { timeoutMs: 30_000 })).stdout)
  const versions: InstalledVersion[] = f.bins.map((b) => ({ major: b.version.split('.').slice(0, 2).join('.'), version: b.version, binDir: b.path.replace(/\/[^/]+$/, '') }))
  const instances = await Promise.all(f.processes.map(async (p) => ({ ...(await readInstance(hosts, host, p)), ...(p.defaultsFile && { configFile: p.defaultsFile }) })))
  // Debian's own server: /etc/mysql's option files (no --defaults-file of its own) on /var/lib/mysql.
  for (const i of instances) if (f.debian.conf && !i.configFile && i.dataDir === DEBIAN_DATADIR) Object.assign(i, { layout: 'debian', name: 'mariadb.service', configFile: '/etc/mysql/my.cnf' })
  if (f.debian.unit && f.debian.datadir === 'initialised' && !instances.some((i) => i.dataDir === DEBIAN_DATADIR)) {
    instances.push({ port: 3306, dataDir: DEBIAN_DATADIR, socket: '/run/mysqld/mysqld.sock', role: 'stopped', layout: 'debian', name: 'mariadb.service', configFile: '/etc/mysql/my.cnf' })
  }
  return { host, loginUser: f.login, addresses: f.addresses, versions, instances, debian: f.debian }
}
