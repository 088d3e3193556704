// What adding and removing a replica read of each member, in one SQL batch as mysql: version,
// server_id, read_only, the binary log and the GTID positions, and its replication connections
// (SHOW ALL SLAVES STATUS, with column names). The primary is located from these answers,
// never from the record: the one member that answers writable and replicates from nobody.
import { AppError } from '../../../../../shared/errors'
import { mariaError } from '../errors'
import { who, type MariaCluster, type MariaMember } from '../model'
import type { MariaNode } from '../node'
import { clientArgv, parseRows, sqlFailure } from '../sql'
import { parseSlave, type SlaveThreads } from '../sample'

export interface MemberFacts {
  version: string
  serverId: number
  readOnly: boolean
  logBin: boolean
  binlogFormat: string
  gtidBinlogPos: string
  gtidSlavePos: string
  gtidCurrentPos: string
  dataDir: string
  slaves: SlaveThreads[]
}

export type Read = { member: MariaMember; facts: MemberFacts } | { member: MariaMember; error: string }
export type Answered = { member: MariaMember; facts: MemberFacts }

// Section markers: --batch prints nothing at all for an empty result set.
const FACTS_SQL = `SELECT 'facts' AS rd_section;
SELECT @@version AS version, @@server_id AS server_id, @@read_only AS ro, @@log_bin AS log_bin, @@binlog_format AS fmt,
  @@gtid_binlog_pos AS bin, @@gtid_slave_pos AS slv, @@gtid_current_pos AS cur, @@datadir AS dd;
SELECT 'slaves' AS rd_section;
SHOW ALL SLAVES STATUS;
`

/** `--batch` output with column names, split at the section markers into named lists of rows. */
export function parseSections(stdout: string): Map<string, Record<string, string | null>[]> {
  const rows = parseRows(stdout)
  const out = new Map<string, Record<string, string | null>[]>()
  let current: Record<string, string | null>[] | undefined
  let header: (string | null)[] | undefined
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!
    if (r.length === 1 && r[0] === 'rd_section') {
      current = []
      out.set(rows[i + 1]?.[0] ?? '', current)
      header = undefined
      i++
    } else if (current && !header) header = r
    else if (current && header) current.push(Object.fromEntries(header.map((h, j) => [h ?? '', r[j] ?? null])))
  }
  return out
}

const command = (n: MariaNode) => n.mysql(clientArgv(n.member, true), 'reads version, server_id, read_only, binlog, GTID positions and replication')

export const factsCommand = command

/** One member's facts; a member that does not answer is an answer too (`error`). */
export async function readFacts(n: MariaNode): Promise<Read> {
  try {
    const r = await n.run(command(n), { stdin: FACTS_SQL, okExitCodes: [0, 1] })
    if (r.exitCode !== 0) throw sqlFailure(n.member, r.stderr, r.exitCode)
    const s = parseSections(r.stdout)
    const f = s.get('facts')?.[0]
    if (!f) throw mariaError('sql_failed', `Unexpected answer from MariaDB ${who(n.member)}: ${r.stdout.slice(0, 200)}`, { host: n.host })
    return {
      member: n.member,
      facts: {
        version: f.version ?? '',
        serverId: Number(f.server_id),
        readOnly: f.ro === '1',
        logBin: f.log_bin === '1',
        binlogFormat: f.fmt ?? '',
        gtidBinlogPos: (f.bin ?? '').replace(/\s+/g, ''),
        gtidSlavePos: (f.slv ?? '').replace(/\s+/g, ''),
        gtidCurrentPos: (f.cur ?? '').replace(/\s+/g, ''),
        dataDir: (f.dd ?? '').replace(/(.)\/+$/, '$1'),
        slaves: (s.get('slaves') ?? []).map(parseSlave),
      },
    }
  } catch (err) {
    if (err instanceof AppError) return { member: n.member, error: err.message }
    throw err
  }
}

/** A primary: writable and replicating from nobody. */
export const isPrimary = (f: MemberFacts) => !f.readOnly && f.slaves.length === 0

/** "10.11.19-MariaDB-0+deb12u1-log" → "10.11". */
export const majorMinor = (version: string) => /^(\d+\.\d+)/.exec(version)?.[1] ?? version

/** The one primary among the answers; fails naming who answered what. */
export function locatePrimary(c: MariaCluster, reads: readonly Read[]): Answered {
  const up = reads.filter((r): r is Answered => 'facts' in r)
  const primaries = up.filter((r) => isPrimary(r.facts))
  if (primaries.length === 1) return primaries[0]!
  if (primaries.length > 1) {
    throw mariaError('cluster_state', `Cluster ${c.id} has ${primaries.length} writable members that replicate from nobody (${primaries.map((p) => who(p.member)).join(', ')}): a split brain. Fence all but one first.`, { members: primaries.map((p) => p.member.name) })
  }
  const down = reads.filter((r) => 'error' in r).map((r) => `${who(r.member)}: ${(r as { error: string }).error}`)
  throw mariaError('cluster_state', `No member of cluster ${c.id} answers as the primary (writable, replicating from nobody).${down.length ? ` Not answering: ${down.join('; ')}` : ''} Start the primary, then try again.`, { down: down.length })
}

/** The replication connection ReplicaDesk sets up (the default, named ''). */
export const defaultSlave = (f: MemberFacts) => f.slaves.find((s) => s.connection === '')
