// The human form of `replicadesk status CLUSTER` and its split-brain banner. Kept free of zod
// and the core (types only) so the thin status path (fast-status.ts) can print it too.
import type { ClusterStatus, MemberStatus } from '../../shared/status'
import { formatTable, terminalWidth } from './format'

export const SPLIT_BRAIN_EXIT = 4

const bytes = (n: number | null) => (n === null ? '' : n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} kB` : `${(n / 1024 ** 2).toFixed(1)} MB`)

export function formatStatus(s: ClusterStatus, width = terminalWidth()): string {
  const head = `Cluster ${s.cluster}: primary ${s.primary ?? 'none'} (read ${s.at})`
  const table = s.members.some((m) => m.gtid) ? gtidRows(s) : lsnRows(s)
  return [head, formatTable(table, width, ['member']), ...automaticLines(s), ...serverLogs(s, width)].join('\n')
}

const stateOf = (m: MemberStatus) => (m.state === 'down' ? `down: ${m.down?.reason ?? ''}` : m.state)

/** PostgreSQL members: timeline, WAL position, lag in bytes and seconds, sync state. */
function lsnRows(s: ClusterStatus) {
  return s.members.map((m) => ({
    member: m.name,
    host: `${m.host}:${m.port}`,
    role: m.role ?? '',
    state: stateOf(m),
    timeline: m.timeline ?? '',
    lsn: m.currentLsn ?? m.replayLsn ?? '',
    lag: m.role === 'standby' ? `${bytes(m.lagBytes)} / ${m.lagSeconds === null ? '' : `${m.lagSeconds.toFixed(1)} s`}` : '',
    sync: m.syncState ?? '',
  }))
}

/** MariaDB members: GTID position, the replication threads, lag in transactions and seconds, semi-sync, the last error. */
function gtidRows(s: ClusterStatus) {
  return s.members.map((m) => {
    const g = m.gtid
    return {
      member: m.name,
      host: `${m.host}:${m.port}`,
      role: m.role ?? '',
      state: stateOf(m),
      gtid: g ? (m.role === 'standby' ? g.slavePos : g.currentPos) : '',
      'io/sql': g?.ioRunning ? `${g.ioRunning}/${g.sqlRunning ?? ''}` : '',
      lag: m.role === 'standby' ? `${g?.behindTransactions ?? '?'} trx / ${m.lagSeconds === null ? '?' : `${m.lagSeconds.toFixed(0)} s`}` : '',
      'semi-sync': g?.semiSync ?? '',
      error: g?.lastIoError || g?.lastSqlError || '',
    }
  })
}

/** A handed-over cluster: the manager's leader and its store's voters, and why it cannot fail over when it cannot. */
function automaticLines(s: ClusterStatus): string[] {
  const a = s.automatic
  if (!a) return []
  const c = a.consensus
  const store = c ? `${a.store} ${c.up.length}/${c.voters} voters up${c.leader ? `, led by ${c.leader}` : ''}${c.down.length ? ` (down: ${c.down.map((d) => d.name).join(', ')})` : ''}` : `${a.store} not read`
  const lines = [`Automatic failover (${a.manager}): leader ${a.leader ?? 'none'}${a.paused ? ', PAUSED' : ''}; ${store}`]
  if (a.cannotFailover) lines.push(`${a.manager} cannot fail over now: ${a.cannotFailover}`)
  if (a.error) lines.push(`Last ${a.manager} read failed: ${a.error}`)
  return ['', ...lines]
}

/** Under the table, how the log of each member whose server is not running ends (lines cut to the width). */
function serverLogs(s: ClusterStatus, width: number): string[] {
  const fit = (line: string) => (line.length > width - 2 ? `${line.slice(0, Math.max(10, width - 3))}…` : line)
  return s.members.flatMap((m) => {
    const log = m.state === 'down' ? m.down?.log : undefined
    return log?.lines.length ? ['', fit(`${m.name}: last lines of ${log.file}`), ...log.lines.map((l) => `  ${fit(l)}`)] : []
  })
}

export function splitBrainBanner(s: ClusterStatus): string | undefined {
  if (!s.splitBrain) return undefined
  return `SPLIT BRAIN: ${s.splitBrain.members.join(' and ')} both accept writes. Stop writing to the cluster and fence one of them before anything else.`
}
