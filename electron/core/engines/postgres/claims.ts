// A claim says which operation made a member's data dir: it lets a resumed operation go on
// with its own half-made copy, and lets an abandon empty only what its operation made. Claims
// live in the postgres user's home (~/.replicadesk/claims/KEY), one per data dir.
import { createHash } from 'node:crypto'

export interface Claim {
  operation: string
  member: string
  dataDir: string
  /** The data dir did not exist before the operation. */
  made: boolean
}

export const claimKey = (dataDir: string) => createHash('sha256').update(dataDir).digest('hex').slice(0, 24)

/** Parses `key=value` lines (newlines or spaces between them). */
export function parseClaim(text: string | undefined): Claim | undefined {
  if (!text) return undefined
  const v: Record<string, string> = {}
  for (const part of text.split(/[\n ]+/)) {
    const i = part.indexOf('=')
    if (i > 0) v[part.slice(0, i)] = part.slice(i + 1)
  }
  if (!v.operation || !v.datadir) return undefined
  return { operation: v.operation, member: v.member ?? '', dataDir: v.datadir, made: v.made === 'yes' }
}

