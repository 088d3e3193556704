// From what each PostgreSQL member answered to what the UI shows: roles, lag against the
// primary, sync state and slots from the primary's view, and the primary's position. Pure:
// the same views give the same figures. (Which members accept writes, hence split brain and
// the cluster's primary, status/ reads from the `writable` figure.)
import { slotName as defaultSlotName } from '../../../../../shared/postgres'
import type { MemberStatus, ReplicationSlotStatus } from '../../../../../shared/status'
import type { DerivedStatus, MemberView } from '../../engine'
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
  const live = views.filter((v) => v.state === 'up' && v.sample && v.fresh)
  // one server listed twice (two names, same socket) counts once
  const primaryKeys = new Set<string>()
  const primaries = live.filter((v) => !v.sample!.inRecovery && !primaryKeys.has(v.instanceKey) && primaryKeys.add(v.instanceKey))
  const byAlias = (host: string | null, port: number | null) =>
    host === null ? undefined : views.find((v) => v.port === port && v.aliases.includes(host))

  // The primary the lag is measured against: the one member out of recovery (answered this tick).
  const soloPrimary = primaries.length === 1 ? primaries[0]! : undefined
  const usedSlots = new Set<string>()

  const members = views.map((v): MemberStatus => {
    const s = v.sample
    const base: MemberStatus = {
      name: v.name,
      host: v.host,
      port: v.port,
      state: v.state,
      down: v.state === 'down' ? v.down : null,
      stale: !(v.state === 'up' && v.fresh),
      role: s ? (s.inRecovery ? 'standby' : 'primary') : null,
      writable: s ? !s.inRecovery && !s.readOnly : null,
      version: s?.version ?? null,
      timeline: s?.timeline ?? null,
      currentLsn: s && !s.inRecovery ? s.currentLsn : null,
      receiveLsn: s && s.inRecovery ? s.receiveLsn : null,
      replayLsn: s && s.inRecovery ? s.replayLsn : null,
      lagBytes: null,
      lagSeconds: null,
      senderState: null,
      syncState: null,
      upstream: null,
      slot: null,
      disk: v.disk,
      startedAt: s?.startedMs ? new Date(s.startedMs).toISOString() : null,
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
