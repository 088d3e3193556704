// The last primary position in the data dir: atomic, never replaced by an older observation,
// first-seen time kept, and written at most every few seconds.
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PositionStore, PositionWriter } from './positions'

const tempDir = () => mkdtemp(join(tmpdir(), 'rd-positions-'))
const iso = (ms: number) => new Date(ms).toISOString()
const T = 1_800_000_000_000

describe('PositionStore', () => {
  it('stores per cluster in a versioned JSON document and keeps later observations', async () => {
    const store = new PositionStore(await tempDir())
    expect(await store.get('c1')).toBeNull()
    await store.record('c1', { member: 'db1', lsn: '0/5000000', timeline: 1, at: iso(T), seenAt: iso(T) })
    await store.record('c2', { member: 'x', lsn: '0/1', timeline: 1, at: iso(T), seenAt: iso(T) })
    // an older observation (another process, a slow write) does not replace a newer one
    await store.record('c1', { member: 'db1', lsn: '0/4000000', timeline: 1, at: iso(T - 5000), seenAt: iso(T - 5000) })
    expect(await store.get('c1')).toMatchObject({ lsn: '0/5000000' })
    // the same position seen later keeps its first-seen time
    await store.record('c1', { member: 'db1', lsn: '0/5000000', timeline: 1, at: iso(T + 9000), seenAt: iso(T + 9000) })
    expect(await store.get('c1')).toEqual({ member: 'db1', lsn: '0/5000000', timeline: 1, at: iso(T), seenAt: iso(T + 9000) })
    const raw = JSON.parse(await readFile(store.file, 'utf8'))
    expect(raw.version).toBe(1)
    expect(Object.keys(raw.data).sort()).toEqual(['c1', 'c2'])
  })
})

describe('PositionWriter', () => {
  it('writes the first position at once, then at most every interval, and the latest on flush', async () => {
    const store = new PositionStore(await tempDir())
    const writes: string[] = []
    const spy = { get: store.get.bind(store), record: async (c: string, p: Parameters<PositionStore['record']>[1]) => (writes.push(p.lsn), store.record(c, p)) }
    const w = new PositionWriter(spy as unknown as PositionStore, 'c1', 5000)
    const now = Date.now()
    w.observe({ member: 'db1', lsn: '0/1', timeline: 1, at: iso(now) }, now)
    await new Promise((r) => setTimeout(r, 50))
    for (let i = 2; i < 10; i++) w.observe({ member: 'db1', lsn: `0/${i}`, timeline: 1, at: iso(now) }, now + i * 100)
    await new Promise((r) => setTimeout(r, 50))
    expect(writes).toEqual(['0/1'])
    await w.flush()
    expect(writes).toEqual(['0/1', '0/9'])
    expect((await store.get('c1'))?.lsn).toBe('0/9')
    await w.flush() // nothing new
    expect(writes).toHaveLength(2)
  })

  it('says a failed write once per run of failures, and again after a success', async () => {
    let fail = true
    const told: string[] = []
    const spy = { get: async () => null, record: async () => {
      if (fail) throw new Error('EROFS: read-only file system')
    } }
    const w = new PositionWriter(spy as unknown as PositionStore, 'c1', 0, (err) => told.push((err as Error).message))
    const pos = (lsn: string, t: number) => ({ member: 'db1', lsn, timeline: 1, at: iso(t) })
    for (const [i, lsn] of ['0/1', '0/2', '0/3'].entries()) {
      w.observe(pos(lsn, 1000 + i), 1000 + i)
      await w.flush()
    }
    expect(told).toEqual(['EROFS: read-only file system'])
    fail = false
    w.observe(pos('0/4', 2000), 2000)
    await w.flush()
    fail = true
    w.observe(pos('0/5', 3000), 3000)
    await w.flush()
    expect(told).toHaveLength(2)
    expect(w.lastError).toBeInstanceOf(Error)
  })
})
