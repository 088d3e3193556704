// `status --watch` with the health verdict: the verdict line under the table from the first
// screen on, kept current by healthChanged, and a line for each worsening (never for a change
// that is not worse, nor for another cluster). A session stand-in plays the instance.
import { describe, expect, it } from 'vitest'
import type { HealthVerdict, HealthWorse } from '../../shared/health'
import type { ClusterStatus, MemberStatus } from '../../shared/status'
import type { Reply } from '../../shared/wire'
import type { CliSession } from './session'
import { watchStatus } from './watch-status'

function member(name: string): MemberStatus {
  const primary = name === 'db1'
  return { name, host: `h-${name}`, port: 5432, state: 'up', down: null, stale: false, role: primary ? 'primary' : 'standby', writable: primary, version: '15', timeline: 1, currentLsn: '0/3000000', receiveLsn: null, replayLsn: null, lagBytes: 0, lagSeconds: 0, senderState: primary ? null : 'streaming', syncState: null, upstream: null, slot: null, disk: null, startedAt: null }
}
const status: ClusterStatus = { cluster: 'main', seq: 1, at: '2026-01-01T10:00:00.000Z', periodMs: 1000, primary: 'db1', splitBrain: null, members: [member('db1'), member('db2')], otherSlots: [], lastPrimary: null }

const verdictOf = (state: HealthVerdict['state'], noLoss: number, findings: HealthVerdict['findings'] = [], cluster = 'main'): HealthVerdict => ({
  cluster,
  at: '2026-01-01T10:00:05.000Z',
  state,
  noLoss: { failures: noLoss, why: '' },
  writes: { failures: 1, why: '' },
  findings: [...findings, { id: 'no-backup', severity: 'info', text: 'No backup.', fix: '' }],
  serviceAddress: null,
})
const slotFill = { id: 'slot-fill:rd_db2', severity: 'critical' as const, text: "Slot rd_db2 holds 900 MiB of WAL: the primary's disk is full in about 40 minutes.", fix: 'Bring its replica back.' }

function fakeInstance(health: Reply) {
  const listeners = new Set<(name: string, payload: unknown) => void>()
  const session: CliSession = {
    kind: 'instance',
    call: async (method) => (method === 'status.get' ? { ok: true, value: status } : method === 'health.get' ? health : { ok: false, error: { code: 'not_found', message: 'no such method' } }),
    onEvent: (l) => (listeners.add(l), () => listeners.delete(l)),
    close: async () => undefined,
  }
  const emit = (name: string, payload: unknown) => listeners.forEach((l) => l(name, payload))
  return { session, emit }
}

async function watching(health: Reply) {
  const { session, emit } = fakeInstance(health)
  const shown: string[] = []
  const stop = new AbortController()
  const done = watchStatus(session, 'main', (t) => shown.push(t), stop.signal)
  await expect.poll(() => shown.length).toBe(1)
  return { shown, emit, stop: async () => (stop.abort(), done) }
}

describe('status --watch with the health verdict', () => {
  it('shows the verdict line under the table from the first screen', async () => {
    const w = await watching({ ok: true, value: verdictOf('healthy', 1) })
    expect(w.shown[0]).toMatch(/db2\s+h-db2:5432\s+standby\s+up/)
    expect(w.shown[0]).toMatch(/\n\nHealth: HEALTHY — survives 1 failure without losing a write, 1 failure and keeps accepting writes$/)
    expect(await w.stop()).toBe(0)
  })

  it('prints a line when the verdict gets worse, and keeps it on the following screens', async () => {
    const w = await watching({ ok: true, value: verdictOf('healthy', 1) })
    const worse: HealthWorse = { findings: [slotFill], survival: ['survives 0 failure(s) without losing a write (was 1)'] }
    w.emit('healthChanged', { verdict: verdictOf('degraded', 0, [slotFill]), worse })
    await expect.poll(() => w.shown.length).toBe(2)
    expect(w.shown[1]).toContain('Health: DEGRADED — survives 0 failures without losing a write, 1 failure and keeps accepting writes; 1 finding (replicadesk health main)')
    expect(w.shown[1]).toContain('10:00:05Z worse: Now survives 0 failure(s) without losing a write (was 1).')
    expect(w.shown[1]).toContain(`10:00:05Z worse: ${slotFill.text}`)

    // A change that is not worse updates the line, adds no worse line; another cluster's verdict changes nothing.
    w.emit('healthChanged', { verdict: verdictOf('degraded', 1, [slotFill], 'other'), worse: { findings: [slotFill], survival: [] } })
    w.emit('healthChanged', { verdict: verdictOf('healthy', 1), worse: null })
    await expect.poll(() => w.shown.length).toBe(3)
    expect(w.shown[2]).toMatch(/Health: HEALTHY/)
    expect(w.shown[2]!.match(/worse:/g)).toHaveLength(2)
    expect(await w.stop()).toBe(0)
  })

  it('says so when the instance cannot give a verdict, and still shows the table', async () => {
    const w = await watching({ ok: false, error: { code: 'internal', message: 'health is not known here' } })
    expect(w.shown[0]).toMatch(/db1\s+h-db1:5432\s+primary/)
    expect(w.shown[0]).toMatch(/Health: not available \(health is not known here\)$/)
    expect(await w.stop()).toBe(0)
  })
})
