// Which role-change buttons the UI shows, from coarse live facts before any plan exists:
// Switchover (a primary that answers and a replica up), Failover (urgent when no member accepts
// writes; still offered, with a warning, while the primary is up), Rejoin on a member that is
// down, stopped, fenced, a former primary or a standby that does not stream. Pure. Who may be
// promoted is never decided here: the dialog asks the core for its plan and shows the core's
// candidates and their `excluded` reasons (roles/candidates.ts).
import type { ClusterStatus, MemberStatus } from '../../../shared/status'

export interface SwitchoverState {
  enabled: boolean
  /** Why it is not offered now (a tooltip), when it is not. */
  why: string | null
}

const SPLIT = 'Two members accept writes: fence one of them first (see the red banner).'

export function switchoverState(status: ClusterStatus | null): SwitchoverState {
  if (!status) return { enabled: false, why: 'The live status has not been read yet.' }
  if (status.splitBrain) return { enabled: false, why: SPLIT }
  if (status.primary === null) return { enabled: false, why: 'No member accepts writes: there is no primary to hand over from. Use Failover.' }
  const standbys = status.members.filter((m) => m.role === 'standby' && m.state === 'up' && !m.stale)
  if (standbys.length === 0) return { enabled: false, why: 'No replica is up to take over.' }
  return { enabled: true, why: null }
}

export interface FailoverState {
  /** The primary is lost (down, or no member accepts writes): the button calls for attention. */
  urgent: boolean
  /** The primary that is up and accepts writes: a failover stops and fences it. */
  primaryUp: string | null
  /** The primary that was lost, when the status knows which one. */
  lost: string | null
  /** The core refuses it now (split brain). */
  blocked: string | null
  /** One line on the situation. */
  text: string
}

/** The member that was primary before it was lost: a stale primary, else the last one seen. */
export function lostPrimary(status: ClusterStatus): string | null {
  const stale = status.members.find((m) => m.role === 'primary' && (m.state !== 'up' || m.stale))
  return stale?.name ?? status.lastPrimary?.member ?? null
}

export function failoverState(status: ClusterStatus | null): FailoverState {
  if (!status) return { urgent: false, primaryUp: null, lost: null, blocked: null, text: 'The live status has not been read yet.' }
  if (status.splitBrain) return { urgent: false, primaryUp: null, lost: null, blocked: SPLIT, text: SPLIT }
  if (status.primary !== null) {
    return { urgent: false, primaryUp: status.primary, lost: null, blocked: null, text: `${status.primary} is up and accepts writes.` }
  }
  const lost = lostPrimary(status)
  const m = lost ? status.members.find((x) => x.name === lost) : undefined
  const text = m && m.state === 'down' ? `The primary ${lost} is down.` : lost ? `${lost} does not accept writes.` : 'No member accepts writes.'
  return { urgent: true, primaryUp: null, lost, blocked: null, text }
}

export type RejoinReason = 'fenced' | 'stopped' | 'down' | 'former-primary' | 'not-streaming'

export const rejoinReasonLabels: Record<RejoinReason, string> = {
  fenced: 'fenced',
  stopped: 'stopped',
  down: 'down',
  'former-primary': 'a former primary',
  'not-streaming': 'not streaming',
}

/** WAL sender states of a standby that receives WAL (catchup: on its way to streaming). */
const RECEIVING = new Set(['streaming', 'catchup'])

/**
 * Why a member may need to rejoin the primary, or null when it does not (or cannot: without a
 * primary that answers there is nothing to rejoin).
 */
export function rejoinReason(m: Pick<MemberStatus, 'name' | 'state' | 'down' | 'stale' | 'role' | 'senderState'>, primary: string | null, fenced: boolean): RejoinReason | null {
  if (primary === null || m.name === primary) return null
  if (fenced) return 'fenced'
  if (m.state === 'down') return m.down?.code === 'not_running' ? 'stopped' : 'down'
  if (m.state !== 'up' || m.stale) return null
  if (m.role === 'primary') return 'former-primary'
  if (m.role === 'standby' && !(m.senderState && RECEIVING.has(m.senderState))) return 'not-streaming'
  return null
}
