// What the cluster card says of a cluster handed over to automatic failover (pure): the
// consensus store's health as "etcd 2/3" with a tone (all up, a majority, or none), and one line
// per member in the manager's own words. The reasons themselves are the core's (cannotFailover).
import type { AutomaticMember, AutomaticStatus } from '../../../shared/status'
import { formatBytes, type Tone } from './format'

export interface StoreHealth {
  label: string
  tone: Tone
  /** Who is down and why, and who leads: for a tooltip. */
  detail: string
}

export function storeHealth(a: Pick<AutomaticStatus, 'store' | 'consensus'>): StoreHealth {
  const c = a.consensus
  if (!c) return { label: `${a.store} ?`, tone: 'none', detail: `${a.store} was not read.` }
  const majority = c.up.length >= Math.floor(c.voters / 2) + 1
  const tone: Tone = !majority ? 'bad' : c.up.length === c.voters && c.quorum ? 'ok' : 'warn'
  const down = c.down.map((d) => `${d.name} down: ${d.error}`)
  const lead = c.leader ? `${c.leader} leads ${a.store}.` : `No ${a.store} leader.`
  const health = c.quorum ? [] : [`${a.store} answers no read that needs its majority now.`]
  return { label: `${a.store} ${c.up.length}/${c.voters}`, tone, detail: [lead, ...health, ...down].join(' ') }
}

export function memberLine(m: AutomaticMember): string {
  const parts = [m.role.replace(/_/g, ' '), m.state || 'state unknown']
  if (m.timeline !== null) parts.push(`timeline ${m.timeline}`)
  if (m.role !== 'leader' && m.lagBytes !== null) parts.push(`${formatBytes(m.lagBytes)} behind`)
  if (m.pendingRestart) parts.push('restart pending')
  if (m.noFailover) parts.push('never promoted')
  return parts.join(' · ')
}
