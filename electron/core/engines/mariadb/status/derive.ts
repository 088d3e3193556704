// From what each MariaDB member answered to what the UI shows. Pure: the same views give the
// same figures. A member with a replication connection configured (SHOW ALL SLAVES STATUS has
// a row, running or not) is a standby; one without is a primary. `writable` is read_only OFF,
// whatever the role: status/ raises the split-brain alarm from it, so two members with
// read_only=OFF are two writable members (a replica left writable takes writes too).
import type { GtidStatus, MemberStatus } from '../../../../../shared/status'
import type { DerivedStatus, MemberView } from '../../engine'
import { livePrimaries, memberAt, memberStatusOf } from '../../status-derive'
import { transactionsBehind } from '../gtid'
import { mainSlave, type MariaSample } from '../sample'

type MariaView = MemberView<MariaSample>

const isStandby = (s: MariaSample) => mainSlave(s) !== null

/** Semi-sync as this member takes part in it: the primary's master side, a replica's slave side. */
export function semiSyncOf(s: MariaSample): GtidStatus['semiSync'] {
  if (isStandby(s)) return s.semiSlaveEnabled ? (s.semiSlaveOn ? 'on' : 'off') : 'disabled'
  return s.semiMasterEnabled ? (s.semiMasterOn ? 'on' : 'off') : 'disabled'
}

/**
 * Seconds behind: 0 when no transaction is missing (an idle replica is not lagging), else
 * Seconds_Behind_Master (null while a thread is stopped or not connected).
 */
export function lagSecondsOf(behind: number | null, secondsBehind: number | null): number | null {
  if (behind === 0) return 0
  return secondsBehind === null ? null : Math.max(0, secondsBehind)
}

export function derive(views: readonly MariaView[]): DerivedStatus {
  const primaries = livePrimaries(views, (s) => !isStandby(s))
  // The primary the GTID distance is measured against: the one member without replication.
  const soloPrimary = primaries.length === 1 ? primaries[0]!.sample! : undefined
  const byAlias = memberAt(views)

  const members = views.map((v): MemberStatus => {
    const s = v.sample
    // PostgreSQL's figures stay empty: MariaDB has no timeline, LSNs, WAL senders or slots.
    const base: MemberStatus = { ...memberStatusOf(v, s && { role: isStandby(s) ? 'standby' : 'primary', writable: !s.readOnly, version: s.version, startedMs: s.startedMs }), gtid: null }
    const stale = base.stale
    if (!s) return base
    const thread = mainSlave(s)
    const gtid: GtidStatus = {
      currentPos: s.gtidCurrentPos,
      binlogPos: s.gtidBinlogPos,
      slavePos: s.gtidSlavePos,
      ioRunning: thread?.ioRunning ?? null,
      sqlRunning: thread?.sqlRunning ?? null,
      lastIoError: thread?.lastIoError ?? null,
      lastSqlError: thread?.lastSqlError ?? null,
      behindTransactions: null,
      semiSync: semiSyncOf(s),
      readOnly: s.readOnly,
    }
    base.gtid = gtid
    if (thread) {
      // The engine-neutral "replicating" the verdict and the UI read (PostgreSQL: the primary's WAL sender state).
      base.senderState = thread.ioRunning === 'Yes' && thread.sqlRunning === 'Yes' ? 'streaming' : thread.ioRunning === 'Connecting' ? 'connecting' : 'stopped'
      const up = byAlias(thread.masterHost, thread.masterPort)
      base.upstream = up ? up.name : thread.masterHost ? `${thread.masterHost}:${thread.masterPort ?? ''}` : null
    }
    if (stale) return base // figures against the primary only from this tick's answers
    if (!thread) {
      gtid.behindTransactions = 0
      base.lagSeconds = 0
      return base
    }
    gtid.behindTransactions = soloPrimary ? transactionsBehind(soloPrimary.gtidBinlogPos, s.gtidCurrentPos) : null
    base.lagSeconds = lagSecondsOf(gtid.behindTransactions, thread.secondsBehind)
    return base
  })

  // No primary position: the last-primary store keeps PostgreSQL LSNs (shared/status.ts
  // primaryPosition), and a MariaDB failover (part 2) reads GTIDs from the servers instead.
  return { members, otherSlots: [], position: null }
}
