// The plain sentences a switchover plan opens with (pure): who becomes primary, how long writes
// pause (the target's lag from the plan's assessment, when given), that nothing is copied or lost.
// Why this target is the assessment's `reason`, shown right after.
import type { RoleChangeAssessment } from '../../../../../shared/operations'
import { memberOf } from '../model'
import { listed, switchoverPause } from '../plan-words'
import type { SwitchoverParams } from '../switchover'

export function switchoverSummary(p: SwitchoverParams, assessment?: RoleChangeAssessment): string[] {
  const to = memberOf(p.cluster, p.to)
  const others = p.cluster.members.filter((m) => m.name !== p.from && m.name !== p.to && !p.cluster.fenced.includes(m.name)).map((m) => m.name)
  const behind = assessment?.candidates.find((c) => c.name === p.to)?.behindBytes
  const address = p.cluster.serviceAddress?.address
  return [
    `${to.name} on ${to.host} becomes the primary; ${p.from} stops and restarts as its standby${others.length ? `, and ${listed(others)} follow${others.length === 1 ? 's' : ''} ${to.name}` : ''}.`,
    `Writes pause for ${switchoverPause(behind)}, from ${p.from}'s stop until ${to.name} is promoted; clients then reconnect${address ? ` through the service address ${address}, which moves with the primary` : ` to ${to.name}`}.`,
    `Nothing is copied, and nothing acknowledged is lost: ${to.name} is promoted only once it has replayed ${p.from}'s last checkpoint.`,
  ]
}
