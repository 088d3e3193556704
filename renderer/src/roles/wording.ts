// How the role-change dialog names what it does: its title, the confirm button (naming the
// member the plan promotes, or the one rejoined or fenced) and whether that button is red.
// Pure.
import type { RoleChangeKind } from './loss'

export function roleChangeTitle(kind: RoleChangeKind, cluster: string, member: string | null): string {
  switch (kind) {
    case 'switchover':
      return `Switchover in ${cluster}`
    case 'failover':
      return `Failover in ${cluster}`
    case 'rejoin':
      return `Rejoin ${member ?? ''} to ${cluster}`
    case 'fence':
      return `Fence ${member ?? ''} in ${cluster}`
  }
}

export interface ConfirmFacts {
  /** The member the plan promotes (switchover, failover), once known. */
  promoted: string | null
  /** The member rejoined or fenced. */
  member: string | null
  /** Rejoin by a fresh copy instead of pg_rewind. */
  rebuild: boolean
}

export function roleChangeConfirmLabel(kind: RoleChangeKind, f: ConfirmFacts): string {
  switch (kind) {
    case 'switchover':
      return f.promoted ? `Switch over to ${f.promoted}` : 'Switch over'
    case 'failover':
      return f.promoted ? `Fail over to ${f.promoted}` : 'Fail over'
    case 'rejoin':
      return f.rebuild ? `Rebuild ${f.member ?? ''}` : `Rejoin ${f.member ?? ''}`
    case 'fence':
      return `Fence ${f.member ?? ''}`
  }
}

/** A failover, a fence and a rebuild can lose writes or data: a red button. */
export const roleChangeDanger = (kind: RoleChangeKind, rebuild: boolean): boolean => kind === 'failover' || kind === 'fence' || (kind === 'rejoin' && rebuild)
