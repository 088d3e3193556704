// The health service: recomputed on status changes, published when it changes, and the
// notification URL (a local HTTP receiver here) gets exactly one POST per worsening.
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { HealthVerdict, HealthWorse } from '../../../shared/health'
import type { ClusterStatus, MemberStatus } from '../../../shared/status'
import { parseCluster, type PgCluster } from '../engines/postgres/model'
import { survival, syncUnmet } from '../engines/postgres/survival'
import { createHealthService } from './service'
import { notificationBody } from './notify'

const posts: { url: string; headers: IncomingMessage['headers']; body: string }[] = []
let base = ''
const server = createServer((req, res) => {
  let body = ''
  req.on('data', (d) => (body += d))
  req.on('end', () => {
    posts.push({ url: req.url ?? '', headers: req.headers, body })
    res.statusCode = req.url === '/broken' ? 500 : 200
    res.end()
  })
})
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

const member = (name: string, priority: number) => ({ name, host: `h${priority}`, address: `10.0.0.${priority}`, dataDir: `/d/${name}`, access: 'postgres' as const, sync: true, priority })
function ms(name: string, up = true): MemberStatus {
  const primary = name === 'db1'
  return { name, host: 'h', port: 5432, state: up ? 'up' : 'down', down: up ? null : { code: 'not_running', reason: 'stopped', since: '2026-01-01T00:00:00Z' }, stale: false, role: primary ? 'primary' : 'standby', writable: primary, version: '15', timeline: 1, currentLsn: null, receiveLsn: null, replayLsn: null, lagBytes: 0, lagSeconds: 0, senderState: primary || !up ? null : 'streaming', syncState: null, upstream: null, slot: null, disk: null, startedAt: null }
}

function world(path: string) {
  const c: PgCluster = parseCluster({ id: 'c', major: '15', notifyUrl: `${base}${path}`, members: [member('db1', 1), member('db2', 2), member('db3', 3)] })
  let snapshot: ClusterStatus = { cluster: 'c', seq: 1, at: new Date().toISOString(), periodMs: 1000, primary: 'db1', splitBrain: null, members: [ms('db1'), ms('db2'), ms('db3')], otherSlots: [], lastPrimary: null }
  const emitted: { v: HealthVerdict; worse: HealthWorse | null }[] = []
  const logged: string[] = []
  const health = createHealthService({
    record: async () => c,
    status: async () => snapshot,
    survival,
    syncUnmet,
    dataDirs: (x) => new Map(x.members.map((m) => [m.host, { [m.name]: m.dataDir }])),
    notifyUrl: (x) => x.notifyUrl,
    domains: async () => new Map([['h1', 'a'], ['h2', 'b'], ['h3', 'c']]),
    facts: { read: async () => new Map() },
    emit: (v, worse) => emitted.push({ v, worse }),
    log: (m) => logged.push(m),
  })
  const set = (down: string[]) => {
    snapshot = { ...snapshot, seq: snapshot.seq + 1, at: new Date().toISOString(), members: ['db1', 'db2', 'db3'].map((n) => ms(n, !down.includes(n))) }
    health.changed('c')
  }
  return { health, emitted, logged, set }
}
const settle = (ms = 100) => new Promise((r) => setTimeout(r, ms))

describe('health service', () => {
  it('one POST per worsening; the same finding again sends nothing; getting better sends nothing', async () => {
    posts.length = 0
    const w = world('/hook')
    expect((await w.health.get('c')).state).toBe('healthy')
    w.set(['db3'])
    await settle()
    w.set(['db3'])
    await settle()
    w.set([])
    await settle()
    w.set(['db3'])
    await settle()
    expect(posts).toHaveLength(2)
    const body = JSON.parse(posts[0]!.body)
    expect(body).toMatchObject({ source: 'replicadesk', cluster: 'c', state: 'degraded' })
    expect(body.worse.findings.map((f: { id: string }) => f.id)).toEqual(['down:db3', 'writes-spof'])
    expect(w.emitted.filter((e) => e.worse).length).toBe(2)
  })

  it('keeps the history of the verdict: an entry per change, none for the same verdict again', async () => {
    const w = world('/history')
    await w.health.get('c')
    for (const down of [['db3'], ['db3'], ['db2', 'db3'], []]) {
      w.set(down)
      await settle()
    }
    const h = w.health.history('c', 900)
    expect(h.cluster).toBe('c')
    expect(h.entries.map((e) => `${e.state} ${e.noLoss}/${e.writes} ${e.findings.filter((f) => f.startsWith('down:')).join(',')}`)).toEqual(['healthy 1/1 ', 'degraded 1/0 down:db3', 'degraded 0/0 down:db2,down:db3', 'healthy 1/1 '])
    w.health.forget('c')
    expect(w.health.history('c', 900).entries).toEqual([])
  })

  it('a URL that fails is reported, not thrown', async () => {
    const w = world('/broken')
    await w.health.get('c')
    w.set(['db2'])
    await settle(300)
    expect(w.logged.join('\n')).toMatch(/answered HTTP 500/)
  })

  it('an ntfy topic gets a readable message with a title and priority', () => {
    const v: HealthVerdict = { cluster: 'c', at: '', state: 'degraded', noLoss: { failures: 0, why: '' }, writes: { failures: 0, why: '' }, findings: [], serviceAddress: null }
    const b = notificationBody('https://ntfy.sh/my-lab', v, { findings: [{ id: 'x', severity: 'critical', text: 'db2 is down.', fix: 'Start it.' }], survival: [] })
    expect(b.headers).toMatchObject({ Title: 'ReplicaDesk: cluster c is degraded', Priority: 'high' })
    expect(b.body).toBe('db2 is down. Start it.')
  })
})
