// Set-up helpers for PostgreSQL on a lab host, the two ways real boxes hold clusters: a
// Debian-style cluster (pg_createcluster / pg_ctlcluster, config in /etc/postgresql) and a
// plain data dir run with pg_ctl.
import { execOk, type ExecOptions } from './exec'
import { findHost, readLab, type LabHost } from './state'

export interface DebianClusterOptions {
  name: string
  port: number
  /** Default /var/lib/postgresql/<version>/<name>. */
  dataDir?: string
  /** postgresql.conf settings (pg_createcluster -o guc=value). */
  settings?: Record<string, string>
  /** Start it with pg_ctlcluster (works without systemd). */
  start?: boolean
}

export interface DebianCluster {
  version: string
  name: string
  port: number
  dataDir: string
  confDir: string
  logFile: string
}

/** pg_createcluster VERSION NAME -p PORT [-d DATADIR], run as root like a Debian admin does. */
export async function createDebianCluster(host: string | LabHost, o: DebianClusterOptions, exec: ExecOptions = {}): Promise<DebianCluster> {
  const lab = exec.lab ?? readLab()
  const v = lab.pgVersion
  const dataDir = o.dataDir ?? `/var/lib/postgresql/${v}/${o.name}`
  const settings = Object.entries(o.settings ?? {}).flatMap(([k, val]) => ['-o', `${k}=${val}`])
  const argv = ['pg_createcluster', v, o.name, '-p', String(o.port), '-d', dataDir, ...settings, ...(o.start ? ['--start'] : [])]
  await execOk(findHost(lab, host), argv, { ...exec, lab })
  return { version: v, name: o.name, port: o.port, dataDir, confDir: `/etc/postgresql/${v}/${o.name}`, logFile: `/var/log/postgresql/postgresql-${v}-${o.name}.log` }
}

/** initdb of a plain data dir as postgres (peer for local sockets, scram over TCP). */
export async function initDataDir(host: string | LabHost, dataDir: string, args: string[] = [], exec: ExecOptions = {}) {
  const lab = exec.lab ?? readLab()
  const initdb = `${lab.pgBin}/initdb`
  await execOk(findHost(lab, host), [initdb, '-D', dataDir, '--auth-local=peer', '--auth-host=scram-sha-256', ...args], { ...exec, lab, user: 'postgres' })
}
