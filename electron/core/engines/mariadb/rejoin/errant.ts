// Errant transactions of a member against the primary, in gtid_strict_mode's sense (pure). Within
// a domain the history is linear, so a member can simply follow when its LAST GTID of every domain
// is one the primary has; a GTID is "had" when the primary knows that server's GTIDs of that
// domain up to that sequence number (its gtid_binlog_state keeps the last GTID of every server
// of every domain; gtid_slave_pos / gtid_current_pos add what it applied before its own binary
// log began, e.g. a member made from a copy). Comparing sequence numbers per domain only is not
// enough: after a failover the old primary's unsent 0-1-101 and the new primary's 0-2-101 share a
// sequence number and are different transactions.
// The errant ones are listed as ranges per domain and server: from just after the last
// sequence number the two still share in that domain (or the primary's last of that server) to
// the member's last of that server: "0-2-101…0-2-103" (at most that many; a server's GTIDs
// need not be consecutive in a domain written by several servers).

export interface GtidEntry {
  domain: number
  server: number
  seq: bigint
}

export interface ErrantRange {
  domain: number
  server: number
  from: bigint
  to: bigint
}

const PART = /^(\d{1,10})-(\d{1,10})-(\d{1,20})$/

/** Every entry of a GTID list as the server prints it (a binlog state lists several per domain). */
export function parseGtidList(text: string | null | undefined): GtidEntry[] {
  const out: GtidEntry[] = []
  for (const raw of (text ?? '').split(',')) {
    const m = PART.exec(raw.trim())
    if (m) out.push({ domain: Number(m[1]), server: Number(m[2]), seq: BigInt(m[3]!) })
  }
  return out
}

const key = (d: number, s: number) => `${d}-${s}`

/** Per domain and server the highest sequence number of all the lists. */
function highest(...lists: readonly (string | null | undefined)[]): Map<string, GtidEntry> {
  const out = new Map<string, GtidEntry>()
  for (const l of lists) for (const g of parseGtidList(l)) if ((out.get(key(g.domain, g.server))?.seq ?? -1n) < g.seq) out.set(key(g.domain, g.server), g)
  return out
}

export interface MemberGtids {
  gtidBinlogState: string
  gtidCurrentPos: string
}

export interface PrimaryGtids {
  gtidBinlogState: string
  gtidBinlogPos: string
  gtidSlavePos: string
  gtidCurrentPos: string
}

/** The member's GTIDs the primary does not have, as ranges (empty: it can simply follow). */
export function errantGtids(member: MemberGtids, primary: PrimaryGtids): ErrantRange[] {
  const known = highest(primary.gtidBinlogState, primary.gtidBinlogPos, primary.gtidSlavePos, primary.gtidCurrentPos)
  const has = (g: GtidEntry) => (known.get(key(g.domain, g.server))?.seq ?? 0n) >= g.seq
  const mine = [...highest(member.gtidBinlogState, member.gtidCurrentPos).values()]
  // The last GTID of each domain decides (a linear history); the others only shape the ranges.
  const last = new Map<number, GtidEntry>()
  for (const g of parseGtidList(member.gtidCurrentPos)) last.set(g.domain, g)
  const out: ErrantRange[] = []
  for (const [domain, tip] of [...last].sort((a, b) => a[0] - b[0])) {
    if (has(tip)) continue
    const inDomain = mine.filter((g) => g.domain === domain)
    const shared = inDomain.filter(has).reduce((m, g) => (g.seq > m ? g.seq : m), 0n)
    for (const g of inDomain.filter((x) => !has(x)).sort((a, b) => a.server - b.server)) {
      const theirs = known.get(key(domain, g.server))?.seq ?? 0n
      const from = (shared > theirs ? shared : theirs) + 1n
      out.push({ domain, server: g.server, from: from > g.seq ? g.seq : from, to: g.seq })
    }
  }
  return out
}

/** "0-2-101…0-2-103, 1-2-7" */
export const formatErrant = (ranges: readonly ErrantRange[]) =>
  ranges.map((r) => (r.from === r.to ? `${r.domain}-${r.server}-${r.to}` : `${r.domain}-${r.server}-${r.from}…${r.domain}-${r.server}-${r.to}`)).join(', ')

/** At most how many transactions the ranges hold. */
export const errantCount = (ranges: readonly ErrantRange[]) => ranges.reduce((n, r) => n + Number(r.to - r.from + 1n), 0)

export interface PurgedDomain {
  domain: number
  /** The member's last sequence number there (0: none). */
  has: bigint
  /** The primary's oldest binary log starts after this sequence number. */
  startsAfter: bigint
}

/**
 * Domains where the member would need transactions the primary's binary logs no longer hold:
 * its oldest log's Gtid_list (the state before that log) is beyond the member's position there.
 */
export function purgedDomains(memberPos: string, firstLogGtidList: string): PurgedDomain[] {
  const mine = new Map(parseGtidList(memberPos).map((g) => [g.domain, g.seq]))
  const start = new Map<number, bigint>()
  for (const g of parseGtidList(firstLogGtidList)) if ((start.get(g.domain) ?? -1n) < g.seq) start.set(g.domain, g.seq)
  return [...start]
    .filter(([d, seq]) => (mine.get(d) ?? 0n) < seq)
    .sort((a, b) => a[0] - b[0])
    .map(([domain, startsAfter]) => ({ domain, has: mine.get(domain) ?? 0n, startsAfter }))
}
