// The plain sentences a rejoin plan opens with: what comes back, what is copied (pg_rewind: the
// changed blocks; a rebuild: everything, its size read now) and what is thrown away.
import { memberOf } from '../model'
import { copyTime } from '../plan-words'
import type { RejoinParams } from '../rejoin'

export function rejoinSummary(p: RejoinParams, sizeBytes: number | null): string[] {
  const m = memberOf(p.cluster, p.member)
  return [
    `${m.name} on ${m.host} comes back as a standby of the current primary${p.cluster.fenced.includes(m.name) ? ' and is no longer fenced' : ''}.`,
    p.rebuild
      ? `Its data dir ${m.dataDir} is emptied (you confirmed it) and copied afresh from the primary with pg_basebackup: ${copyTime(sizeBytes)}.`
      : `pg_rewind copies only the blocks that changed since it left the primary's timeline, usually a few seconds; if that fails, rejoin with a rebuild copies everything.`,
    `Writes on the primary do not pause; ${m.name} is stopped meanwhile.`,
    `Writes that exist only on ${m.name} (made after the timelines forked) are thrown away; the primary's data is not touched.`,
  ]
}
