// What the create wizard makes of `cluster.detect --engine mariadb`: which running servers can
// be adopted and, for each that cannot, why (a replica, not running, not readable); what adopt
// would change on one that can (the binary log needs a restart, a format or GTID setting set at
// once); the placement fields it fills; a free port for a new primary; Debian's own server in
// words. Words only: the plan's pre-flight on the host decides.
import { DEBIAN_DATADIR, MARIADB_DEFAULT_PORT, type MariaDetectionOutput } from '../../../shared/mariadb'
import { freePort } from './suggest'

export type MariaInstance = MariaDetectionOutput['instances'][number]

/** Why adopt refuses this server, or null when it can take it. */
export function adoptRefusal(i: MariaInstance): string | null {
  if (i.error) return `It runs, but ReplicaDesk could not read it: ${i.error}`
  if (i.role === 'stopped') return i.layout === 'debian' ? 'It is not running: start it first (systemctl start mariadb), then detect again.' : 'It is not running: start it first, then detect again.'
  if (i.replication?.length || i.role === 'replica') {
    const from = i.replication?.length ? ` from ${i.replication.map((r) => `${r.masterHost}:${r.masterPort}`).join(', ')}` : ''
    return `It replicates${from}: it is a replica. Adopt its primary instead (or RESET SLAVE ALL on it if it should stand alone).`
  }
  if (i.role !== 'primary') return 'Its role could not be read.'
  if (!i.dataDir) return 'Its datadir could not be read.'
  return null
}

/** Running servers adopt can take. */
export const adoptableMaria = (d: MariaDetectionOutput | null | undefined): MariaInstance[] => (d?.instances ?? []).filter((i) => adoptRefusal(i) === null)

/** What adopt would change on a server it can take (empty: nothing but ReplicaDesk's own settings). */
export function adoptChanges(i: MariaInstance): string[] {
  const out: string[] = []
  if (i.logBin === false) out.push('The binary log is off: adopt turns it on, which takes a restart (writes pause for a few seconds).')
  if (i.logSlaveUpdates === false) out.push('log_slave_updates is off: turned on at the restart adopt makes.')
  if (i.binlogFormat && i.binlogFormat.toUpperCase() !== 'ROW') out.push(`binlog_format is ${i.binlogFormat}: set to ROW at once.`)
  if (i.gtidStrictMode === false) out.push('gtid_strict_mode is off: turned on at once.')
  return out
}

/** `MariaDB 10.11.19 · primary · Debian server (mariadb.service) · server_id 1 · read_only OFF`. */
export function describeMariaInstance(i: MariaInstance): string {
  const parts = [i.version ? `MariaDB ${/^\d+\.\d+\.\d+/.exec(i.version)?.[0] ?? i.version}` : 'MariaDB', i.role === 'primary' ? 'primary' : i.role]
  parts.push(i.layout === 'debian' ? `Debian server${i.name ? ` (${i.name})` : ''}` : 'plain datadir')
  if (i.serverId !== undefined) parts.push(`server_id ${i.serverId}`)
  if (i.logBin !== undefined) parts.push(i.logBin ? `binary log ${i.binlogFormat ?? 'on'}` : 'no binary log')
  if (i.readOnly !== undefined) parts.push(`read_only ${i.readOnly ? 'ON' : 'OFF'}`)
  return parts.join(' · ')
}

/** The placement fields of a running server, for adopt. */
export function mariaPrefill(i: MariaInstance): { port: string; dataDir: string; layout: 'plain' | 'debian' } {
  const debian = i.layout === 'debian'
  return { port: String(i.port), dataDir: debian ? DEBIAN_DATADIR : (i.dataDir ?? ''), layout: debian ? 'debian' : 'plain' }
}

/** 3306, or the next port up no server on the host listens on. */
export const mariaFreePort = (d: MariaDetectionOutput | null | undefined): string => String(freePort(d?.instances.map((i) => i.port) ?? [], MARIADB_DEFAULT_PORT))

/** Debian's own server in one sentence (what /etc/mysql, the unit and /var/lib/mysql hold). */
export function debianServerText(d: MariaDetectionOutput['debian']): string {
  if (!d.conf && !d.unit) return 'No Debian MariaDB server (no /etc/mysql, no mariadb unit): a plain datadir is the way here.'
  const dir = { missing: 'does not exist', empty: 'is empty', initialised: 'holds an initialised server', other: 'holds something else', unknown: 'could not be read' }[d.datadir]
  const unit = d.unit ? 'the mariadb unit is installed' : 'no mariadb unit'
  const use = d.datadir === 'initialised' ? ' Adopt it, or use a plain datadir for a new primary.' : d.datadir === 'missing' || d.datadir === 'empty' ? ' A new primary can use the Debian layout.' : ''
  return `Debian layout: ${d.conf ? '/etc/mysql is there' : 'no /etc/mysql'}, ${unit}, ${DEBIAN_DATADIR} ${dir}.${use}`
}
