// The plain sentences a failover plan opens with (pure): who replaces the lost primary, how the
// old one is kept from coming back, the data at risk (the assessment the user confirms), how long
// writes are impossible. Why this candidate is the assessment's `reason`, shown right after.
import { memberOf } from '../model'
import type { FailoverParams } from '../failover'
import { listed } from '../plan-words'

export function failoverSummary(p: FailoverParams): string[] {
  const to = memberOf(p.cluster, p.to)
  const a = p.assessment
  const others = p.cluster.members.filter((m) => m.name !== p.from && m.name !== p.to && !p.cluster.fenced.includes(m.name)).map((m) => m.name)
  const fenceS = Math.round(p.fenceTimeoutMs / 10) / 100
  return [
    `${to.name} on ${to.host} becomes the primary in place of ${p.from ?? 'the lost primary'}${others.length ? `; ${listed(others)} follow${others.length === 1 ? 's' : ''} it` : ''}.`,
    p.from
      ? `${p.from} is fenced first if it answers within ${fenceS} s (stopped, and never started as a primary again until it rejoins); if not, it is marked fenced and fenced the moment it is seen again.`
      : 'No old primary is known, so none is fenced.',
    `Data that may be lost: ${lossWords(a.loss.text)}`,
    `No member accepts writes from the moment the primary is lost${p.from ? ' (or fenced)' : ''} until ${to.name} is promoted, usually under a second after you confirm; nothing is copied.`,
  ]
}

/** The assessment's loss sentence read on from "Data that may be lost:" ("None: …" → "none — …"). */
const lossWords = (text: string) => text.replace(/^(None|Unknown): /, (_m, w: string) => `${w.toLowerCase()} — `).replace(/^At least /, 'at least ')
