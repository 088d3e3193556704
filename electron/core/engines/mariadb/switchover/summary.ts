// The plain sentences a MariaDB switchover plan opens with (pure): who becomes primary, how long
// writes pause and why nothing is lost, and who read_only does not bind.
import type { RoleChangeAssessment } from '../../../../../shared/operations'
import { listed, txns } from '../assess-reason'
import { memberOf } from '../model'
import type { MariaSwitchoverParams } from '.'

/** Measured on the lab (3 members, one SSH round trip per step): the write pause of a caught-up target. */
const PAUSE_S = 0.5

export function switchoverSummary(p: MariaSwitchoverParams, assessment?: RoleChangeAssessment): string[] {
  const to = memberOf(p.cluster, p.to)
  const others = p.cluster.members.filter((m) => m.name !== p.from && m.name !== p.to && !p.cluster.fenced.includes(m.name)).map((m) => m.name)
  const behind = assessment?.candidates.find((c) => c.name === p.to)?.behindTransactions ?? null
  return [
    `${to.name} on ${to.host} becomes the primary; ${p.from} is set read-only and then follows it${others.length ? `, and ${listed(others)} follow${others.length === 1 ? 's' : ''} ${to.name}` : ''}.`,
    `Writes pause for about ${PAUSE_S} s${behind ? ` plus the time ${to.name} takes to execute the ${txns(behind)} it is behind` : ''}, from ${p.from}'s read_only = ON until ${to.name} is promoted (the catch-up waits at most ${p.catchUpTimeoutS} s); clients then reconnect to ${to.name}.`,
    `Nothing acknowledged is lost: ${to.name} is promoted only once it has executed ${p.from}'s last transaction (MASTER_GTID_WAIT). Transactions open on ${p.from} when it turns read-only fail at their COMMIT (SET GLOBAL read_only waits at most ${p.readOnlyWaitS} s for commits in flight).`,
    `read_only does not bind users with READ_ONLY ADMIN or SUPER (root, mysql@localhost, an application user given ALL PRIVILEGES): their writes to ${p.from} after this point would be lost to ${to.name}. Give applications users without those privileges (GRANT ALL ON yourdb.* does not include them).`,
  ]
}
