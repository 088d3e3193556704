// MariaDB GTID positions ("0-1-42,1-2-7": domain-server-sequence, one per domain) and how
// many transactions a replica lacks against the primary. Pure. Within a domain the sequence
// number goes on across servers (a failover continues it; gtid_strict_mode keeps it rising), so
// the distance of a domain is the primary's sequence − the replica's, whoever wrote them.
// Sequence numbers are 64-bit: they are compared as BigInt.

export interface Gtid {
  domain: number
  server: number
  seq: bigint
}

/** A position: the last GTID of each domain (the last one wins if a domain is listed twice). */
export type GtidPosition = Map<number, Gtid>

const PART = /^(\d{1,10})-(\d{1,10})-(\d{1,20})$/

/** Parses a position as the server prints it; entries it cannot read are skipped (output from a server). */
export function parseGtidPosition(text: string | null | undefined): GtidPosition {
  const pos: GtidPosition = new Map()
  for (const raw of (text ?? '').split(',')) {
    const m = PART.exec(raw.trim())
    if (!m) continue
    const g = { domain: Number(m[1]), server: Number(m[2]), seq: BigInt(m[3]!) }
    pos.set(g.domain, g)
  }
  return pos
}

export interface DomainDistance {
  domain: number
  primarySeq: bigint
  /** null: the replica has nothing of this domain. */
  replicaSeq: bigint | null
  /** Transactions of this domain the replica lacks (0 when it is level or ahead). */
  behind: number
}

export interface GtidDistance {
  /** Transactions the replica lacks, all domains together (clamped to Number.MAX_SAFE_INTEGER). */
  behind: number
  domains: DomainDistance[]
  /** Domains the primary has and the replica has none of. */
  missing: number[]
  /** Domains the replica has and the primary has none of (written on the replica itself, or a stale primary's). */
  extra: number[]
  /** Domains where the replica's sequence is beyond the primary's (diverged, or read a moment later than the primary). */
  ahead: number[]
}

const toNumber = (n: bigint) => (n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n))

/**
 * How far `replica` (its gtid_current_pos) is behind `primary` (its gtid_binlog_pos). A domain
 * the replica lacks counts whole (its sequence numbers start at 1). Sequence numbers with gaps
 * (gtid_seq_no set by hand, skipped events) make the figure an upper bound.
 */
export function gtidDistance(primary: GtidPosition, replica: GtidPosition): GtidDistance {
  let total = 0n
  const domains: DomainDistance[] = []
  const missing: number[] = []
  const ahead: number[] = []
  for (const p of [...primary.values()].sort((a, b) => a.domain - b.domain)) {
    const r = replica.get(p.domain)
    if (!r) missing.push(p.domain)
    else if (r.seq > p.seq) ahead.push(p.domain)
    const diff = r ? p.seq - r.seq : p.seq
    const behind = diff > 0n ? diff : 0n
    total += behind
    domains.push({ domain: p.domain, primarySeq: p.seq, replicaSeq: r ? r.seq : null, behind: toNumber(behind) })
  }
  const extra = [...replica.keys()].filter((d) => !primary.has(d)).sort((a, b) => a - b)
  return { behind: toNumber(total), domains, missing, extra, ahead }
}

/** The distance from two printed positions; null when the primary's cannot be read at all. */
export function transactionsBehind(primaryPos: string | null, replicaPos: string | null): number | null {
  if (primaryPos === null || replicaPos === null) return null
  const p = parseGtidPosition(primaryPos)
  if (p.size === 0 && primaryPos.trim() !== '') return null
  return gtidDistance(p, parseGtidPosition(replicaPos)).behind
}
