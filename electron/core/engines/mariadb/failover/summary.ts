// The plain sentences a MariaDB failover plan opens with (pure): who replaces the lost primary,
// how the old one is kept from coming back, the data at risk (the assessment the user confirms),
// how long writes are impossible.
import { listed } from '../assess-reason'
import { memberOf } from '../model'
import type { MariaFailoverParams } from '.'

export function failoverSummary(p: MariaFailoverParams): string[] {
  const to = memberOf(p.cluster, p.to)
  const a = p.assessment
  const others = p.cluster.members.filter((m) => m.name !== p.from && m.name !== p.to && !p.cluster.fenced.includes(m.name)).map((m) => m.name)
  const fenceS = Math.round(p.fenceTimeoutMs / 10) / 100
  const from = p.from ? memberOf(p.cluster, p.from) : undefined
  return [
    `${to.name} on ${to.host} becomes the primary in place of ${p.from ?? 'the lost primary'}${others.length ? `; ${listed(others)} follow${others.length === 1 ? 's' : ''} it` : ''}.`,
    from
      ? `${from.name} is fenced first if its host answers within ${fenceS} s: stopped, a fence marker ReplicaDesk honours (it never starts it again until it rejoins), read_only = ON in its option file${from.layout === 'debian' ? ', the mariadb unit disabled' : ''}. If not, it is marked fenced and fenced the moment it is seen again. MariaDB has no setting that stops a user with READ_ONLY ADMIN or SUPER writing, so the fence is the stopped server.`
      : 'No old primary is known, so none is fenced.',
    `Data that may be lost: ${a.loss.text.replace(/^(None|Unknown): /, (_m, w: string) => `${w.toLowerCase()} — `).replace(/^At least /, 'at least ')}`,
    `Before it is promoted, ${to.name} executes every transaction it received (at most ${p.applyTimeoutS} s). No member accepts writes from the moment the primary is lost${p.from ? ' (or fenced)' : ''} until ${to.name} is promoted, usually under a second after you confirm; nothing is copied.`,
  ]
}
