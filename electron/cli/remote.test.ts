// The CLI's wait on a running instance has an end: an instance that stops answering (hung,
// stopped, asleep) fails the pending call and any wait for an operation's end, instead of
// holding the CLI for ever.
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocketServer } from 'ws'
import { AppError } from '../../shared/errors'
import { followOperations } from './operation-output'
import { connectInstance } from './remote'
import { watchStatus } from './watch-status'

describe('a running instance that goes silent', () => {
  let wss: WebSocketServer | undefined
  afterEach(() => wss?.close())

  /** A session to a server that accepts the connection, then never answers anything (not even pings). */
  async function silentInstance() {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1', autoPong: false })
    await new Promise((r) => wss!.once('listening', r))
    const port = (wss.address() as { port: number }).port
    return connectInstance(
      { pid: process.pid, wsUrl: `ws://127.0.0.1:${port}/ws`, token: 't'.repeat(43), kind: 'headless', startedAt: new Date().toISOString() },
      2000,
      { intervalMs: 100, deadMs: 400 },
    )
  }

  it('fails the call and the operation wait once pings go unanswered', async () => {
    const session = await silentInstance()
    const ops = followOperations(session, { isTerminal: false, write: () => undefined })
    const started = Date.now()
    const waiting = ops.wait({ id: '20260101-000000-fake-replica-0a1b' } as never).catch((e: unknown) => e)
    const call = await session.call('app.info', {}).catch((e: unknown) => e)
    expect(call).toBeInstanceOf(AppError)
    expect((call as AppError).code).toBe('transport')
    expect((call as AppError).message).toMatch(/did not answer: no answer to pings for 0.4 s/)
    const waited = await waiting
    expect((waited as AppError).message).toMatch(/Operation 20260101-000000-fake-replica-0a1b may still be running there/)
    expect(Date.now() - started).toBeLessThan(2000)
    ops.stop()
    await session.close()
  })

  it('ends `status --watch` with an error instead of showing a stale table for ever', async () => {
    const session = await silentInstance()
    const shown: string[] = []
    const code = await watchStatus(session, 'main', (t) => shown.push(t), new AbortController().signal)
    expect(code).toBe(1)
    expect(shown.at(-1)).toMatch(/no answer to pings[\s\S]*no longer live/)
    await session.close()
  })
})
