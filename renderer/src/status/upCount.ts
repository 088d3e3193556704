// The "2 of 3 up" line over the live status. A member an operation is working on (being
// created, rejoining…) is neither up nor down yet: it is left out of the count and named
// beside it ("2 of 2 up · 1 being created"), so adding a replica does not read as a failure.
import type { MemberStatus } from '../../../shared/status'

export interface UpCount {
  up: number
  down: number
  /** Members counted: all but the busy ones that are not up. */
  total: number
  /** `2 of 2 up` */
  text: string
  /** `1 being created`, `1 being created, 1 rejoining`; null when no member is busy. */
  busy: string | null
}

/** @param busy per member an operation works on (status/badge.ts says which), what it does */
export function upCount(members: readonly Pick<MemberStatus, 'name' | 'state'>[], busy: ReadonlyMap<string, string>): UpCount {
  let up = 0
  let down = 0
  let total = 0
  const byLabel = new Map<string, number>()
  for (const m of members) {
    const label = busy.get(m.name)
    if (label !== undefined && m.state !== 'up') {
      byLabel.set(label, (byLabel.get(label) ?? 0) + 1)
      continue
    }
    total++
    if (m.state === 'up') up++
    else if (m.state === 'down') down++
  }
  const busyText = byLabel.size ? [...byLabel].map(([label, n]) => `${n} ${label}`).join(', ') : null
  return { up, down, total, text: `${up} of ${total} up`, busy: busyText }
}
