// Desktop notifications when the verdict gets worse: shown when allowed (asked once when not
// decided yet), never when denied; the text says what got worse; a click opens the cluster.
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { HealthVerdict } from '../../../shared/health'
import { notifyWorse } from './health'

const verdict: HealthVerdict = { cluster: 'home', at: '', state: 'degraded', noLoss: { failures: 0, why: '' }, writes: { failures: 0, why: '' }, findings: [], serviceAddress: null }
const worse = { findings: [{ id: 'down:db2', severity: 'warning' as const, text: 'Down: db2 on pi2: PostgreSQL is not running.', fix: 'Start it.' }], survival: ['survives 0 failure(s) and keeps writing (was 1)'] }

function fakeNotification(permission: NotificationPermission, answer: NotificationPermission = permission) {
  const shown: { title: string; body?: string; tag?: string; onclick?: () => void }[] = []
  class N {
    static permission = permission
    static requestPermission = vi.fn(async () => answer)
    onclick?: () => void
    constructor(title: string, o: { body?: string; tag?: string }) {
      const entry = { title, ...o } as (typeof shown)[number]
      shown.push(entry)
      queueMicrotask(() => (entry.onclick = () => this.onclick?.()))
    }
  }
  vi.stubGlobal('Notification', N)
  return { shown, N }
}

afterEach(() => vi.unstubAllGlobals())

describe('health notifications', () => {
  it('shows what got worse, once allowed; a click opens the cluster', async () => {
    const { shown } = fakeNotification('granted')
    const opened: string[] = []
    notifyWorse(verdict, worse, (c) => opened.push(c))
    expect(shown).toHaveLength(1)
    expect(shown[0]).toMatchObject({ title: 'Cluster home is degraded', tag: 'replicadesk-health-home', body: 'Now survives 0 failure(s) and keeps writing (was 1).\nDown: db2 on pi2: PostgreSQL is not running.' })
    await Promise.resolve()
    shown[0]!.onclick!()
    expect(opened).toEqual(['home'])
  })

  it('asks for permission when it was never asked, and shows nothing when denied', async () => {
    const asked = fakeNotification('default', 'granted')
    notifyWorse(verdict, worse, () => undefined)
    await vi.waitFor(() => expect(asked.shown).toHaveLength(1))
    expect(asked.N.requestPermission).toHaveBeenCalledTimes(1)
    const denied = fakeNotification('denied')
    notifyWorse(verdict, worse, () => undefined)
    await Promise.resolve()
    expect(denied.shown).toHaveLength(0)
    expect(denied.N.requestPermission).not.toHaveBeenCalled()
  })
})
