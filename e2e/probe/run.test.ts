// The write probe's engine-neutral machinery (run.ts, watcher.ts, writer.ts) over a fake engine
// (pure logic: no database): acknowledged writes go to the one writable member and are read back,
// a write without an answer ends uncertain with its connection destroyed and stays so, two
// writable members stop the writer, a stop with drainMs settles what is in flight, and only an
// engine that moves on leaves a member that refused a write.
import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import type { Report } from './analyse'
import type { InsertEnd, ProbeEngine } from './engine'
import { ProbeRun, type WriteProbeOptions } from './run'
import type { ProbeMember, Writability } from './types'

class FakeConn extends EventEmitter {
  destroyed = false
  constructor(readonly member: string) {
    super()
  }
}

/** Members' states and INSERT behaviour, changed by the tests while the probe runs. */
class FakeEngine implements ProbeEngine<FakeConn> {
  warmStart = false
  readonly rows = new Map<string, string>()
  readonly state = new Map<string, Writability>()
  /** What the next INSERTs on a member do: answer at once (default), never answer, or be refused. */
  readonly insertMode = new Map<string, 'ok' | 'hang' | 'refuse'>()
  readonly destroyed: FakeConn[] = []
  constructor(readonly movesOn: boolean) {}

  async connect(m: ProbeMember) {
    if (this.state.get(m.name) === 'unreachable') throw new Error(`${m.name}: connection refused`)
    return new FakeConn(m.name)
  }
  destroy(c: FakeConn) {
    c.destroyed = true
    this.destroyed.push(c)
    c.emit('gone')
  }
  async close() {}
  async ask(c: FakeConn): Promise<[Writability, string?]> {
    const s = this.state.get(c.member) ?? 'not-writable'
    return s === 'writable' ? ['writable'] : ['not-writable', 'read-only']
  }
  insert(c: FakeConn, id: string, member: string): Promise<InsertEnd> {
    const mode = this.insertMode.get(member) ?? 'ok'
    // As a real socket: no answer until the connection is dropped, then an error.
    if (mode === 'hang') return new Promise((resolve) => c.once('gone', () => resolve({ outcome: 'uncertain', reason: 'connection lost', keep: false })))
    if (mode === 'refuse') return Promise.resolve({ outcome: 'failed', reason: 'read-only', keep: true, refused: true })
    this.rows.set(id, member)
    return Promise.resolve({ outcome: 'acknowledged', keep: true })
  }
  async readIds(_c: FakeConn, lo: string, hi: string) {
    return new Map([...this.rows].filter(([id]) => BigInt(id) >= BigInt(lo) && BigInt(id) <= BigInt(hi)))
  }
}

class FakeProbe extends ProbeRun<FakeConn, FakeEngine> {
  static async start(engine: FakeEngine, o: Partial<WriteProbeOptions> = {}) {
    const p = new FakeProbe({ members: [a, b], password: 'x', intervalMs: 5, ...o }, engine)
    await p.begin()
    return p
  }
  stats() {
    return { ...this.counts(), movedOn: this.writer.movedOn }
  }
  verify(member: string): Promise<Report> {
    return this.readBack('verify', member)
  }
}

const a: ProbeMember = { name: 'a', address: '10.0.0.1', port: 1 }
const b: ProbeMember = { name: 'b', address: '10.0.0.2', port: 1 }
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
async function until(what: string, cond: () => boolean) {
  const deadline = performance.now() + 2000
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(2)
  }
}
const engineWith = (movesOn: boolean, states: Record<string, Writability>) => {
  const e = new FakeEngine(movesOn)
  for (const [m, s] of Object.entries(states)) e.state.set(m, s)
  return e
}

describe('write probe run (fake engine)', () => {
  it('writes to the one writable member, counts acknowledgements and reads them back', async () => {
    const engine = engineWith(false, { a: 'writable', b: 'not-writable' })
    const probe = await FakeProbe.start(engine)
    await until('10 acknowledgements', () => probe.stats().acknowledged >= 10)
    await probe.stop()
    const r = await probe.verify('a')
    expect(r).toMatchObject({ lost: [], phantom: [], failed: 0, uncertain: 0, pending: 0, splits: [] })
    expect(probe.attempts.every((x) => x.member === 'a' && x.outcome === 'acknowledged')).toBe(true)
    expect(probe.timelines().b!.map((s) => s.detail)).toEqual(['read-only'])
    await expect(probe.verify('c')).rejects.toThrow('verify: no member c')
  })

  it('a write without an answer ends uncertain, its connection destroyed, and stays uncertain', async () => {
    const engine = engineWith(false, { a: 'writable' })
    engine.insertMode.set('a', 'hang')
    const probe = await FakeProbe.start(engine, { writeTimeoutMs: 30, maxInFlightPerMember: 2 })
    await until('2 uncertain writes', () => probe.stats().uncertain >= 2)
    await probe.stop({ drainMs: 0 })
    const s = probe.stats()
    expect(s).toMatchObject({ acknowledged: 0, failed: 0, pending: 0, movedOn: 0 })
    expect(s.destroyed).toBeGreaterThanOrEqual(2)
    const timedOut = probe.attempts.filter((x) => x.reason === 'no answer in 30 ms: connection destroyed')
    expect(timedOut.length).toBe(s.destroyed)
    expect(probe.attempts.every((x) => x.outcome === 'uncertain')).toBe(true)
    expect(engine.destroyed.filter((c) => c.member === 'a').length).toBeGreaterThanOrEqual(s.destroyed)
  })

  it('stop with drainMs settles writes still in flight as uncertain', async () => {
    const engine = engineWith(false, { a: 'writable' })
    engine.insertMode.set('a', 'hang')
    const probe = await FakeProbe.start(engine, { writeTimeoutMs: 60_000 })
    await until('a write in flight', () => probe.stats().pending >= 1)
    await probe.stop({ drainMs: 10 })
    expect(probe.stats().pending).toBe(0)
    expect(probe.attempts.every((x) => x.outcome === 'uncertain' && x.reason === 'probe stopped while in flight: connection destroyed')).toBe(true)
  })

  it('two writable members: the writer records a split and writes to neither', async () => {
    const probe = await FakeProbe.start(engineWith(false, { a: 'writable', b: 'writable' }))
    await until('3 split ticks', () => probe.stats().splitTicks >= 3)
    await probe.stop()
    expect(probe.stats().attempted).toBe(0)
    expect(probe.splits[0]!.members).toEqual(['a', 'b'])
  })

  it.each([
    [true, 'leaves the member until the watcher has asked it again'],
    [false, 'keeps writing to it'],
  ])('a refused write, movesOn %s: %s', async (movesOn) => {
    const engine = engineWith(movesOn, { a: 'writable' })
    engine.insertMode.set('a', 'refuse')
    // A slow watcher: between two of its polls, the writer alone decides.
    const probe = await FakeProbe.start(engine, { watchIntervalMs: 200, staleMs: 1000 })
    await sleep(100)
    await probe.stop()
    const s = probe.stats()
    if (movesOn) {
      expect(s.failed).toBe(1)
      expect(s.movedOn).toBe(1)
      expect(s.noTarget).toBeGreaterThan(5)
    } else {
      expect(s.failed).toBeGreaterThan(5)
      expect(s.movedOn).toBe(0)
    }
  })
})
