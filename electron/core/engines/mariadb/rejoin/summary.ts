// The plain sentences a rejoin plan opens with: what happens to the member and its data, what
// is refused, that the primary and its writes are not touched.
import { who, memberOf } from '../model'
import type { RejoinParams } from './params'

export function rejoinSummary(p: RejoinParams): string[] {
  const m = memberOf(p.cluster, p.member)
  const fenced = p.cluster.fenced.includes(m.name) ? ` Its fence is removed once it follows${p.rebuild ? ' (with a rebuild: once the copy is there, before its start)' : ''}.` : ''
  if (p.rebuild) {
    return [
      `${who(m)} is rebuilt: stopped, its datadir ${m.dataDir} emptied (you confirmed it: everything only ${m.name} has is deleted, errant transactions included) and copied again from the primary with mariadb-backup, then it follows the primary read-only by GTID.${fenced}`,
      'The data-dir guard runs on the server in the pre-flight and again right before anything is deleted. The primary keeps taking writes; commits wait only a moment at the end of the copy. Abandoning after the copy started leaves the datadir empty: rejoin again with rebuild.',
    ]
  }
  return [
    `${who(m)} follows the primary again by GTID: read_only = ON first (in its option file too), then CHANGE MASTER … MASTER_USE_GTID = slave_pos from what it has executed (gtid_current_pos).${fenced} A stopped member is started read-only first.`,
    `If ${m.name} has transactions the primary does not have (errant GTIDs, e.g. written while it was cut off), nothing changes: the rejoin refuses and lists them, and ${m.name} can then be rebuilt from a fresh copy (its data deleted). Nothing is copied or deleted otherwise; the primary is not touched.`,
  ]
}
