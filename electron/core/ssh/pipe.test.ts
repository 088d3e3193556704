// The coupling of a copy between hosts (pipe.ts) with stand-in channels: when the sink gets
// its EOF, who is stopped when one end fails, backpressure, idle blame and throttled progress.
// The real thing against sshd is ssh-pipe.lab.test.ts.
import { Duplex } from 'node:stream'
import type { ClientChannel } from 'ssh2'
import { describe, expect, it } from 'vitest'
import { AppError } from '../../../shared/errors'
import type { ChannelRelay, ExecResult } from './exec'
import { relayPipe, type PipeOptions, type PipeSide, type RunEnd } from './pipe'

/** A channel: what the sink is written lands in `written`; `hold` keeps write callbacks (a full window). */
class FakeChannel extends Duplex {
  written: Buffer[] = []
  ended = false
  hold = false
  private held: (() => void)[] = []
  constructor() {
    super({ allowHalfOpen: true, highWaterMark: 1024 })
  }
  override _read(): void {}
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.written.push(chunk)
    if (this.hold) this.held.push(cb)
    else cb()
  }
  override _final(cb: () => void): void {
    this.ended = true
    cb()
  }
  release(): void {
    this.hold = false
    for (const cb of this.held.splice(0)) cb()
  }
}

const result = (stdout = ''): ExecResult => ({ stdout, stderr: '', exitCode: 0, durationMs: 1, truncated: { stdout: false, stderr: false } })

/** One end's run, as exec.ts behaves: attach at open, "stopped" on abort, the outcome when told. */
class FakeEnd {
  readonly channel = new FakeChannel()
  relay!: ChannelRelay
  private settle!: { ok: (r: ExecResult) => void; fail: (e: AppError) => void }
  run(relay: ChannelRelay): Promise<ExecResult> {
    this.relay = relay
    return new Promise((ok, fail) => {
      this.settle = { ok, fail }
      relay.attach(this.channel as unknown as ClientChannel) // pipe.ts uses only the stream side and 'exit'
      relay.signal.addEventListener('abort', () => {
        relay.onStop()
        fail(new AppError('command_failed', 'stopped', { stopped: true }))
      })
    })
  }
  /** The process exits: exit status, then (once its output was read) the close. */
  exit(code: number): void {
    this.channel.push(null)
    this.channel.emit('exit', code)
    this.channel.once('end', () => (code === 0 ? this.settle.ok(result()) : this.settle.fail(new AppError('command_failed', `exit ${code}`, { exitCode: code, stderrTail: 'boom' }))))
  }
  finish(stdout = ''): void {
    this.settle.ok(result(stdout))
  }
}

function copy(opts: Partial<PipeOptions> = {}) {
  const ends = { from: new FakeEnd(), to: new FakeEnd() }
  const runEnd: RunEnd = (side: PipeSide, relay) => ends[side].run(relay)
  const names = { from: { label: 'u@a', argv: ['src'] }, to: { label: 'u@b', argv: ['dst'] } }
  const done = relayPipe(names, { timeoutMs: 10_000, ...opts }, runEnd).then((r) => r, (e: unknown) => e as AppError)
  return { ...ends, done }
}

const tick = () => new Promise((r) => setTimeout(r, 5))

describe('relayPipe', () => {
  it('relays the bytes and gives the sink its EOF only after the source exited 0', async () => {
    const { from, to, done } = copy()
    from.channel.push(Buffer.from('abc'))
    from.channel.push(Buffer.from('def'))
    await tick()
    expect(Buffer.concat(to.channel.written).toString()).toBe('abcdef')
    expect(to.channel.ended).toBe(false)
    from.exit(0)
    await tick()
    expect(to.channel.ended).toBe(true)
    to.finish('sum\n')
    expect(await done).toMatchObject({ bytes: 6, from: { exitCode: 0 }, to: { exitCode: 0, stdout: 'sum\n' } })
  })

  it('a failed source never ends the sink: the sink is stopped and the error names the source', async () => {
    const { from, to, done } = copy()
    from.channel.push(Buffer.from('partial'))
    await tick()
    from.exit(3)
    const e = (await done) as AppError
    expect(to.channel.ended).toBe(false)
    expect(to.relay.signal.aborted).toBe(true)
    expect(from.relay.signal.aborted).toBe(false) // it failed on its own: its exit status is the story
    expect(e.code).toBe('command_failed')
    expect(e.message).toMatch(/^Copying from u@a to u@b failed after 7 bytes \(the source side, u@a\): exit 3 "dst" on u@b was stopped as well\./)
    expect(e.detail).toMatchObject({ side: 'from', reason: 'failed', from: { exitCode: 3, stderrTail: 'boom' }, to: { stopped: true } })
  })

  it('a sink that ends before its EOF fails the copy, even with exit 0, and stops the source', async () => {
    const { from, to, done } = copy()
    from.channel.push(Buffer.from('x'))
    await tick()
    to.finish()
    const e = (await done) as AppError
    expect(from.relay.signal.aborted).toBe(true)
    expect(e.message).toContain('"dst" on u@b ended (exit 0) before it had read all the data')
    expect(e.detail).toMatchObject({ side: 'to', reason: 'early' })
  })

  it('pauses the source while the sink cannot take more, resumes it on drain', async () => {
    const { from, to, done } = copy()
    to.channel.hold = true
    from.channel.push(Buffer.alloc(4096))
    await tick()
    expect(from.channel.isPaused()).toBe(true)
    to.channel.release()
    await tick()
    expect(from.channel.isPaused()).toBe(false)
    from.exit(0)
    await tick()
    to.finish()
    expect(await done).toMatchObject({ bytes: 4096 })
  })

  it('blames the sink when nothing moved because it stopped reading, the source when it sent nothing', async () => {
    const stuck = copy({ idleTimeoutMs: 60 })
    stuck.to.channel.hold = true
    stuck.from.channel.push(Buffer.alloc(4096))
    const e1 = (await stuck.done) as AppError
    expect(e1.code).toBe('ssh_timeout')
    expect(e1.detail).toMatchObject({ side: 'to', reason: 'idle' })
    expect(e1.message).toContain('stopped reading its input for 0.06 s')
    expect(stuck.from.relay.signal.aborted && stuck.to.relay.signal.aborted).toBe(true)
    const silent = copy({ idleTimeoutMs: 60 })
    const e2 = (await silent.done) as AppError
    expect(e2.detail).toMatchObject({ side: 'from', reason: 'idle', bytes: 0 })
  })

  it('reports progress at most every 250 ms plus the final count; a throwing callback changes nothing', async () => {
    const seen: number[] = []
    const { from, to, done } = copy({
      onBytes: (n) => {
        seen.push(n)
        throw new Error('ui bug')
      },
    })
    for (let i = 0; i < 50; i++) {
      from.channel.push(Buffer.alloc(100))
      await tick()
    }
    from.exit(0)
    await tick()
    to.finish()
    expect(await done).toMatchObject({ bytes: 5000 })
    expect(seen.at(-1)).toBe(5000)
    expect(seen.length).toBeLessThanOrEqual(4)
  })

  it('refuses bad options before anything runs', async () => {
    const e = (await relayPipe({ from: { label: 'a', argv: ['x'] }, to: { label: 'b', argv: [] } }, { timeoutMs: 1 }, () => Promise.reject(new Error('ran'))).catch((err: unknown) => err)) as AppError
    expect(e.code).toBe('invalid_input')
    for (const bad of [{ timeoutMs: 0 }, { timeoutMs: 1, idleTimeoutMs: -1 }, { timeoutMs: 1, maxStderrBytes: 0.5 }]) {
      const e2 = (await relayPipe({ from: { label: 'a', argv: ['x'] }, to: { label: 'b', argv: ['y'] } }, bad, () => Promise.reject(new Error('ran'))).catch((err: unknown) => err)) as AppError
      expect(e2.code).toBe('invalid_input')
    }
  })
})
