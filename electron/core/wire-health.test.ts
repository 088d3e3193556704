// The verdict's wiring: a verdict computed from a kept (cached) read of the address holders is
// computed once more when that read expires, so it settles on what the hosts say even when no
// status change follows (the address moved by the step that also changed the status).
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { HealthVerdict } from '../../shared/health'
import type { ClusterStatus, MemberStatus } from '../../shared/status'
import type { ActivityLog } from './activity'
import type { ClustersStore } from './clusters/clusters-store'
import { parseCluster } from './engines/postgres/model'
import { CoreEvents } from './events'
import type { HostsStore } from './hosts/hosts-store'
import type { LiveStatus } from './live-status'
import { wireHealth } from './wire-health'

afterEach(() => vi.useRealTimers())

const member = (i: number) => ({ name: `db${i}`, host: `h${i}`, address: `10.0.0.${i}`, dataDir: `/d/db${i}`, access: 'postgres' as const, sync: false, priority: 100 })
const up = (name: string, primary: boolean): MemberStatus => ({ name, host: 'h', port: 5432, state: 'up', down: null, stale: false, role: primary ? 'primary' : 'standby', writable: primary, version: '15', timeline: 1, currentLsn: null, receiveLsn: null, replayLsn: null, lagBytes: 0, lagSeconds: 0, senderState: primary ? null : 'streaming', syncState: null, upstream: null, slot: null, disk: null, startedAt: null })

function world() {
  const c = parseCluster({ id: 'c', major: '15', members: [member(1), member(2)], serviceAddress: { address: '10.0.0.50', prefix: 24, interfaces: {} } })
  const snapshot: ClusterStatus = { cluster: 'c', seq: 1, at: new Date().toISOString(), periodMs: 1000, primary: 'db1', splitBrain: null, members: [up('db1', true), up('db2', false)], otherSlots: [], lastPrimary: null }
  let holder = 'h2'
  const holderReads: string[] = []
  const listeners: Array<(e: { name: string; payload: { cluster: string; kind: string } }) => void> = []
  const events = new CoreEvents()
  const verdicts: HealthVerdict[] = []
  events.subscribe((name, payload) => name === 'healthChanged' && verdicts.push((payload as { verdict: HealthVerdict }).verdict))
  const { health, stop } = wireHealth({
    store: { findAny: async () => c } as unknown as ClustersStore,
    hosts: { list: async () => [] } as unknown as HostsStore,
    live: { snapshot: () => snapshot, read: async () => snapshot, service: { watched: () => ['c'], onEvent: (l: (typeof listeners)[number]) => (listeners.push(l), () => undefined) } } as unknown as LiveStatus,
    hostExec: { exec: async () => ({ stdout: '', stderr: '', code: 0 }) } as never,
    events,
    activity: { notice: () => undefined } as unknown as ActivityLog,
    address: {
      holders: async (hosts) => {
        holderReads.push(holder)
        return hosts.map((h) => ({ host: h, state: h === holder ? 'holds' : 'free' })) as never
      },
    },
    engine: { readDrift: async () => undefined as never },
    busy: () => false,
  })
  const statusChanged = () => listeners.forEach((l) => l({ name: 'statusChanged', payload: { cluster: 'c', kind: 'diff' } }))
  return { health, stop, verdicts, holderReads, statusChanged, moveTo: (h: string) => (holder = h) }
}

describe('wireHealth', () => {
  it('recomputes once after a kept holders read expires, and names the holder the hosts report then', async () => {
    vi.useFakeTimers()
    const w = world()
    await w.health.get('c')
    expect(w.verdicts.at(-1)?.serviceAddress?.holders).toEqual(['h2'])
    // The address moves; the status change that comes with it is served the kept read.
    w.moveTo('h1')
    w.statusChanged()
    await vi.advanceTimersByTimeAsync(100)
    expect(w.verdicts.at(-1)?.serviceAddress?.holders).toEqual(['h2'])
    // Within the holders period (2 s) the verdict reads them again on its own.
    await vi.advanceTimersByTimeAsync(2100)
    expect(w.verdicts.at(-1)?.serviceAddress?.holders).toEqual(['h1'])
    expect(w.holderReads.slice(0, 2)).toEqual(['h2', 'h1'])
    // Settled once the kept drift read (5 s) has expired too: no more reads without a change.
    await vi.advanceTimersByTimeAsync(10_000)
    const reads = w.holderReads.length
    expect(reads).toBeLessThanOrEqual(3)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(w.holderReads).toHaveLength(reads)
    w.stop()
  })
})
