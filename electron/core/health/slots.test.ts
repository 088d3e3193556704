// Slots against real numbers (electron/core/health/slot-fill.lab.test.ts measured them: a
// stopped replica's slot keeping ~0.9 MiB/s of WAL while INSERTs fill a tmpfs at ~1.9 MiB/s,
// df read every 30 s): the time to a full disk comes from the free space's own fall when it is
// faster than the slot's WAL, from the free space as it is now rather than at the last df, and
// a WAL cap silences the warning only when the slot is dropped before the disk fills.
import { describe, expect, it } from 'vitest'
import type { ClusterStatus, DiskStatus, MemberStatus, ReplicationSlotStatus } from '../../../shared/status'
import { parseCluster } from '../engines/postgres/model'
import { findings, type FindingsInput } from './findings'
import { diskFill } from './verdict'

const MiB = 1048576
const T = Date.parse('2026-01-01T10:00:00Z')
const iso = (sec: number) => new Date(T + sec * 1000).toISOString()
const record = parseCluster({ id: 'c', major: '15', members: ['f1', 'f2'].map((name, i) => ({ name, host: `h${i + 1}`, address: `10.0.0.${i + 1}`, dataDir: `/d/${name}`, access: 'postgres', sync: false, priority: i + 1 })) })

function member(name: string, o: Partial<MemberStatus> = {}): MemberStatus {
  const primary = name === 'f1'
  return { name, host: name, port: 5432, state: 'up', down: null, stale: false, role: primary ? 'primary' : 'standby', writable: primary, version: '15', timeline: 1, currentLsn: null, receiveLsn: null, replayLsn: null, lagBytes: 0, lagSeconds: 0, senderState: primary ? null : 'streaming', syncState: null, upstream: null, slot: null, disk: null, startedAt: null, ...o }
}
const disk = (freeMiB: number, sec: number): DiskStatus => ({ path: '/d/f1', freeBytes: freeMiB * MiB, totalBytes: 320 * MiB, at: iso(sec) })
const slot = (o: Partial<ReplicationSlotStatus> = {}): ReplicationSlotStatus => ({ name: 'rd_f2', active: false, retainedBytes: 69 * MiB, walStatus: 'extended', safeWalSizeBytes: null, ...o })

/** f2 stopped, its slot on f1; the status read at `sec`, df last run at `dfSec`. */
function status(sec: number, primaryDisk: DiskStatus | null, s: ReplicationSlotStatus = slot()): ClusterStatus {
  const f2 = member('f2', { state: 'down', down: { code: 'not_running', reason: 'stopped', since: iso(0) }, senderState: null, slot: s })
  return { cluster: 'c', seq: sec, at: iso(sec), periodMs: 1000, primary: 'f1', splitBrain: null, members: [member('f1', { disk: primaryDisk }), f2], otherSlots: [], lastPrimary: null }
}
const input = (s: ClusterStatus, walMiBs: number, fillMiBs?: number): FindingsInput => ({
  record,
  status: s,
  hosts: new Map(),
  domains: new Map(),
  slotGrowth: new Map([['rd_f2', walMiBs * MiB]]),
  diskFill: fillMiBs === undefined ? undefined : fillMiBs * MiB,
})
const slotFindings = (i: FindingsInput) => findings(i).filter((f) => f.id.startsWith('slot-'))

describe('a slot filling the disk', () => {
  it('counts the data written too: the free space falls faster than the slot grows', () => {
    // df saw 160 MiB free 10 s ago; since then ~19 MiB more went.
    const [f] = slotFindings(input(status(63, disk(160, 53)), 0.9, 1.9))
    expect(f).toMatchObject({ id: 'slot-fill:rd_f2', severity: 'critical' })
    expect(f!.text).toBe("Slot rd_f2 holds 69 MiB of WAL and grows 0.9 MiB/s while the free space falls 1.9 MiB/s (WAL and data): the primary's disk (141 MiB free) is full in about 74 seconds.")
    // The fall of the free space not measured yet (one df so far): the slot's own rate gives an upper bound, said as one.
    expect(slotFindings(input(status(63, disk(160, 53)), 0.9))[0]!.text).toMatch(
      /\(151 MiB free\) is full in at most about 3 minutes \(counting the WAL alone: the data written besides it is not measured yet and fills it sooner\)\.$/,
    )
  })

  it('says hours when there are hours, warns under 48 h, and says nothing past that or for a slot in use', () => {
    expect(slotFindings(input(status(0, disk(100_000, 0)), 1, 1))[0]).toMatchObject({ severity: 'warning', text: expect.stringMatching(/full in about 27\.8 hours\.$/) })
    expect(slotFindings(input(status(0, disk(100_000, 0)), 0.5))).toEqual([])
    expect(slotFindings(input(status(0, disk(100, 0), slot({ active: true })), 5))).toEqual([])
    expect(slotFindings(input(status(0, null), 5))).toEqual([])
    expect(slotFindings(input(status(0, disk(1, 0)), 1, 1))[0]!.text).toMatch(/full in about 1 second\.$/)
  })

  it('a WAL cap counts only when the slot is dropped before the disk fills (at a checkpoint after the cap, up to 5 minutes later)', () => {
    // 200 MiB left under the cap, 300 MiB free: the cap is below the free space, yet with the data
    // written the disk is full in 150 s and the slot would go only after 200 s plus a checkpoint.
    const capped = slot({ safeWalSizeBytes: 200 * MiB, walStatus: 'reserved' })
    expect(slotFindings(input(status(0, disk(300, 0), capped), 1, 2)).map((f) => f.id)).toEqual(['slot-fill:rd_f2'])
    // A big disk: the slot goes first, and the replica needs a rebuild after that.
    const [cap] = slotFindings(input(status(0, disk(10_000, 0), slot({ safeWalSizeBytes: 50 * MiB, walStatus: 'reserved' })), 1))
    expect(cap).toMatchObject({ id: 'slot-cap:rd_f2', severity: 'warning', text: 'Slot rd_f2 reaches its WAL cap in about 50 seconds at 1.0 MiB/s: then it is dropped, and its replica will need a rebuild.' })
    const [past] = slotFindings(input(status(0, disk(10_000, 0), slot({ safeWalSizeBytes: -3 * MiB, walStatus: 'unreserved' })), 1))
    expect(past!.text).toBe('Slot rd_f2 holds more WAL than its cap: the next checkpoint drops it, and its replica will need a rebuild.')
    expect(slotFindings(input(status(0, disk(10_000, 0), slot({ walStatus: 'lost', retainedBytes: null })), 1)).map((f) => f.id)).toEqual(['slot-lost:rd_f2'])
  })
})

describe('how fast the disk fills', () => {
  const snap = (sec: number, d: DiskStatus | null, primary = 'f1') => ({ ...status(sec, d), primary })
  it('compares df readings (not snapshots): the faster of the longest span and the latest', () => {
    // Measured: spare WAL segments are used first (the disk falls slowly), then new ones come on top.
    const snaps = [snap(0, disk(250, -5)), snap(10, disk(250, -5)), snap(30, disk(223, 25)), snap(40, disk(223, 25)), snap(60, disk(169, 55)), snap(61, disk(169, 55))]
    expect(diskFill(snaps, 15_000)! / MiB).toBeCloseTo(1.8, 5)
    // A burst that is over: the longest span still counts it.
    const calmer = [...snaps.slice(0, 4), snap(60, disk(131, 55)), snap(90, disk(116, 85))]
    expect(diskFill(calmer, 15_000)! / MiB).toBeCloseTo(134 / 90, 5)
    // Readings closer than the span say nothing yet.
    expect(diskFill(snaps.slice(0, 3), 60_000)).toBeUndefined()
  })

  it('needs two readings of the same primary, and never says the disk fills when it empties', () => {
    expect(diskFill([snap(0, disk(250, 0)), snap(10, disk(250, 0))], 30_000)).toBeUndefined()
    expect(diskFill([snap(0, disk(250, 0), 'f2'), snap(40, disk(100, 40))], 30_000)).toBeUndefined()
    expect(diskFill([snap(0, disk(100, 0)), snap(40, disk(200, 40))], 30_000)).toBe(0)
    expect(diskFill([snap(0, null), snap(40, disk(200, 40))], 30_000)).toBeUndefined()
  })
})
