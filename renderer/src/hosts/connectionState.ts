// How a host's SSH connection state reads in the UI: a label, a tone and a line that says why,
// and how successive states from the core are shown without flicker.
import type { HostConnection } from '../../../shared/ssh'

export type ConnectionStateName = HostConnection['state']

/** A state as the screen shows it. */
export interface ShownConnection extends HostConnection {
  /** Lost, and the core is trying again by itself (its attempts stay "unreachable" here). */
  retrying: boolean
}

export type Tone = 'ok' | 'busy' | 'warn' | 'bad' | 'none'

export const stateLabels: Record<ConnectionStateName, string> = {
  idle: 'Not connected',
  connecting: 'Connecting…',
  connected: 'Connected',
  unreachable: 'Unreachable',
  auth_failed: 'Auth failed',
  host_key_unknown: 'Host key not confirmed',
  host_key_changed: 'Host key changed',
  shell_unsupported: 'Shell not supported',
}

export const stateTones: Record<ConnectionStateName, Tone> = {
  idle: 'none',
  connecting: 'busy',
  connected: 'ok',
  unreachable: 'bad',
  auth_failed: 'bad',
  host_key_unknown: 'warn',
  host_key_changed: 'bad',
  shell_unsupported: 'bad',
}

export function idleConnection(name: string): ShownConnection {
  return { name, state: 'idle', since: '', retrying: false }
}

/**
 * The next state to show. After a loss the core retries on its own: its `connecting` attempts
 * and repeated failures keep showing "Unreachable" (since the first failure) with a retrying
 * note, so the row does not blink between two states every few seconds.
 */
export function nextShown(previous: ShownConnection | undefined, next: HostConnection): ShownConnection {
  const lost = previous?.state === 'unreachable'
  if (lost && next.state === 'connecting') return { ...previous, retrying: true }
  if (lost && next.state === 'unreachable') return { ...next, since: previous.since || next.since, retrying: previous.retrying }
  return { ...next, retrying: false }
}

/** The line under the state: the core's reason, or what the user can do next. */
export function stateDetail(c: ShownConnection): string {
  if (c.reason) return c.retrying ? `${c.reason} Reconnecting by itself…` : c.reason
  switch (c.state) {
    case 'idle':
      return 'Test the connection to connect.'
    case 'connecting':
      return 'Opening the SSH connection…'
    case 'connected':
      return c.since ? `Since ${formatClock(c.since)}` : ''
    case 'unreachable':
      return c.retrying ? 'Reconnecting by itself…' : 'The host does not answer.'
    default:
      return ''
  }
}

/** 14:03:07, in the user's time zone; '' for an unreadable time. */
export function formatClock(iso: string): string {
  const t = Date.parse(iso)
  if (Number.isNaN(t)) return ''
  return new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false })
}
