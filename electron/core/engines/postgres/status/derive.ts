// From what each PostgreSQL member answered to what the UI shows: roles, lag against the
// primary, sync state and slots from the primary's view, and the primary's position. Pure:
// the same views give the same figures. (Which members accept writes, hence split brain and
// the cluster's primary, status/ reads from the `writable` figure.)
import { slotName as defaultSlotName } from '../../../../../shared/postgres'
import type { MemberStatus, ReplicationSlotStatus } from '../../../../../shared/status'
import type { DerivedStatus, MemberView } from '../../engine'
import { livePrimaries, memberAt, memberStatusOf } from '../../status-derive'
import { lsnDiff } from '../lsn'
import type { RawSample, SlotRow } from './query'

type PgMemberView = MemberView<RawSample>

const SYNC = new Set(['async', 'potential', 'sync', 'quorum'])

function slotStatus(s: SlotRow): ReplicationSlotStatus {
  return { name: s.name, active: s.active, retainedBytes: s.retainedBytes, walStatus: s.walStatus, safeWalSizeBytes: s.safeWalSize }
}

/** Lag of a standby in seconds, careful with idle clusters (see README). */
export function lagSeconds(lagBytes: number | null, senderLag: number | null, sample: RawSample): number | null {
  if (lagBytes === 0) return 0
  if (senderLag !== null && lagBytes !== null) return Math.max(0, senderLag)
  // Time since the last replayed commit is a lag only while WAL waits to be replayed; on an
  // idle primary it grows forever although nothing is missing.
  const pending = lsnDiff(sample.receiveLsn, sample.replayLsn)
  if (pending !== null && pending > 0 && sample.replayTsMs !== null) return Math.max(0, (sample.serverMs - sample.replayTsMs) / 1000)
  // Behind, with nothing waiting to be replayed: WAL is in flight and only the sender can time it.
  return null
}

export function derive(views: readonly PgMemberView[]): DerivedStatus {
  const primaries = livePrimaries(views, (s) => !s.inRecovery)
  const byAlias = memberAt(views)

  // The primary the lag is measured against: the one member out of recovery (answered this tick).
  const soloPrimary = primaries.length === 1 ? primaries[0]! : undefined
  const usedSlots = new Set<string>()

  const members = views.map((v): MemberStatus => {
    const s = v.sample
    const base = memberStatusOf(v, s && { role: s.inRecovery ? 'standby' : 'primary', writable: !s.inRecovery && !s.readOnly, version: s.version, startedMs: s.startedMs })
    if (s) {
      base.timeline = s.timeline
      base.currentLsn = s.inRecovery ? null : s.currentLsn
      base.receiveLsn = s.inRecovery ? s.receiveLsn : null
      base.replayLsn = s.inRecovery ? s.replayLsn : null
    }
    if (!s || base.stale) {
      // A standby that is down still owns its slot on the primary, which now retains WAL for it.
      const own = soloPrimary?.sample?.slots.find((x) => x.name === defaultSlotName(v.name))
      if (own && soloPrimary?.name !== v.name) {
        base.slot = slotStatus(own)
        usedSlots.add(own.name)
      }
      return base
    }
    if (!s.inRecovery) {
      base.lagBytes = 0
      base.lagSeconds = 0
      return base
    }
    const r = s.receiver
    const up = r ? byAlias(r.senderHost, r.senderPort) : undefined
    base.upstream = up ? up.name : r && r.senderHost ? `${r.senderHost}:${r.senderPort ?? ''}` : null
    // The server this standby streams from knows its sender and slot; the primary gives the lag.
    const feeder = up && up.state === 'up' && up.fresh ? up : soloPrimary
    const fs = feeder?.sample
    const sender = fs?.senders.find((x) => x.name === v.name)
    if (sender) {
      base.senderState = sender.state
      base.syncState = sender.syncState && SYNC.has(sender.syncState) ? (sender.syncState as MemberStatus['syncState']) : null
    }
    const slotName = r?.slot ?? defaultSlotName(v.name)
    const slot = fs?.slots.find((x) => x.name === slotName)
    if (slot) {
      base.slot = slotStatus(slot)
      usedSlots.add(slot.name)
    }
    const lagBytes = soloPrimary ? lsnDiff(soloPrimary.sample!.currentLsn, s.replayLsn) : null
    base.lagBytes = lagBytes === null ? null : Math.max(0, lagBytes)
    const senderLag = soloPrimary === feeder ? (sender?.replayLagSeconds ?? null) : null
    base.lagSeconds = lagSeconds(base.lagBytes, senderLag, s)
    return base
  })

  const otherSlots = soloPrimary ? soloPrimary.sample!.slots.filter((x) => !usedSlots.has(x.name)).map(slotStatus) : []
  const position = soloPrimary && soloPrimary.sample!.currentLsn ? { member: soloPrimary.name, lsn: soloPrimary.sample!.currentLsn, timeline: soloPrimary.sample!.timeline } : null
  return { members, otherSlots, position }
}
