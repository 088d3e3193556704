// The jump-host rule for saved records, checked when a record is saved or removed (not first
// at connect time): a jump names an existing record, never the host itself, never a loop
// (A via B via A), and a record others jump through cannot be removed from under them.
import { AppError } from '../../../shared/errors'

interface JumpRecord {
  name: string
  jump?: string
}

/** Each record whose chain of jumps names a missing record or loops, with what is wrong. */
export function jumpProblems(records: readonly JumpRecord[]): string[] {
  const byName = new Map(records.map((r) => [r.name, r]))
  const problems: string[] = []
  for (const start of records) {
    const chain = [start.name]
    for (let hop = start.jump; hop !== undefined; hop = byName.get(hop)?.jump) {
      if (hop === start.name) {
        const what = chain.length === 1 ? `"${start.name}" cannot jump through itself` : `jump hosts loop: ${[...chain, hop].join(' → ')}`
        problems.push(`${what}. Pick a jump host that reaches ${start.name} directly, or none.`)
        break
      }
      if (!byName.has(hop)) {
        problems.push(`"${chain[chain.length - 1]}" jumps through "${hop}", which is not a host record. Add that host first, or pick another jump host.`)
        break
      }
      if (chain.includes(hop)) break // a loop further on, reported when its own member is the start
      chain.push(hop)
    }
  }
  return problems
}

/**
 * Throws when a change makes a jump problem that was not there before (a record saved by an
 * older version with a bad jump does not block unrelated changes; fixing it is always allowed).
 */
export function checkJumps(before: readonly JumpRecord[], after: readonly JumpRecord[]): void {
  const old = new Set(jumpProblems(before))
  const added = jumpProblems(after).find((p) => !old.has(p))
  if (added) throw new AppError('invalid_input', added, { field: 'jump' })
}

/** Throws when other records jump through `name`. */
export function checkRemovable(records: readonly JumpRecord[], name: string): void {
  const users = records.filter((r) => r.jump === name).map((r) => r.name)
  if (users.length) {
    throw new AppError('conflict', `${users.join(', ')} ${users.length === 1 ? 'jumps' : 'jump'} through "${name}": change ${users.length === 1 ? 'its' : 'their'} jump host first (host edit NAME --jump OTHER), then remove "${name}".`, { field: 'name' })
  }
}
