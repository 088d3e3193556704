// Words every engine's "why this member" sentence (…/assess-reason.ts) and its plan summaries
// use the same way. The ranking itself, and how far behind is measured, stay the engine's.
import type { CandidateView } from '../../../shared/operations'

export const PRIORITY = 'priority 1 is tried first'

/** `a`, `a and b`, `a, b and c`. */
export function listed(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`
}

/** Members ranked the same as `to` by `same`, `to` first: "host2 and host3". */
export const tiedWith = (to: CandidateView, allowed: readonly CandidateView[], same: (v: CandidateView) => boolean) => listed([to.name, ...allowed.filter((v) => v !== to && same(v)).map((v) => v.name)])

/** `to` was the only `what`, with the reasons the others could not be picked. */
export function onlyOne(to: CandidateView, views: readonly CandidateView[], what: string): string {
  const out = views.filter((v) => v.excluded).map((v) => `${v.name}: ${v.excluded}`)
  return `${to.name} is the only ${what}${out.length ? ` (${out.join('; ')})` : ''}`
}
