import { describe, expect, it } from 'vitest'
import type { DownReason, StatusSource } from '../engines/engine'
import type { SshService } from '../ssh'
import { markDownExplained, type ExplainDeps } from './explain'
import { Member } from './member'

const input = { name: 'db1', host: 'host2', target: { address: '10.0.0.2', user: 'postgres' }, port: 5432, dataDir: '/data' }
const stopped: DownReason = { code: 'not_running', reason: 'db1 on host2: PostgreSQL is not running on host2 (stopped at 01:00:55).', log: { file: '/l', lines: ['FATAL: bye'] } }
const shutting: DownReason = { code: 'shutting_down', reason: 'db1 on host2: PostgreSQL is shutting down (administrator command).' }
const missing: DownReason = { code: 'not_running', reason: 'db1 on host2: PostgreSQL is not running (nothing listens).' }
const tick = () => new Promise((r) => setTimeout(r, 0))

function setup(answers: (DownReason | null)[]) {
  const asked: string[] = []
  let changed = 0
  const source = {
    serverName: 'PostgreSQL',
    endpoint: () => '/run/postgresql/.s.PGSQL.5432',
    explainDown: async (_ssh: unknown, _m: unknown, c: { down: DownReason; dataDir?: string }) => {
      asked.push(`${c.down.code}@${c.dataDir}`)
      return answers.shift() ?? null
    },
  } as unknown as StatusSource
  const d: ExplainDeps<unknown> = { ssh: {} as SshService, source, timeoutMs: 1000, changed: () => changed++, stopped: () => false }
  const m = new Member<unknown>(input, source)
  return { d, m, asked, changed: () => changed }
}

describe('the engine\'s second look at a member that went down', () => {
  it('replaces "shutting down" by the engine\'s "not running", and keeps it for later reasons of that kind', async () => {
    const { d, m, asked, changed } = setup([stopped])
    markDownExplained(d, m, shutting, false)
    expect(m.down!.code).toBe('shutting_down') // shown at once; the look takes a round trip
    await tick()
    expect(m.down).toMatchObject({ code: 'not_running', reason: stopped.reason, log: stopped.log })
    expect(changed()).toBe(1)
    const since = m.down!.since
    // the reconnect finds the socket missing: a reason of that kind, the engine's reading holds (asked once more)
    markDownExplained(d, m, missing, true)
    expect(m.down).toMatchObject({ code: 'not_running', reason: stopped.reason, since })
    await tick()
    expect(asked).toEqual(['shutting_down@/data', 'not_running@/data'])
    expect(m.down!.reason).toBe(missing.reason) // the engine had nothing more to say this time: status's own reason
  })

  it('asks once per kind of reason, and never about reasons a stopped server does not give', async () => {
    const { d, m, asked } = setup([null])
    markDownExplained(d, m, shutting, false)
    markDownExplained(d, m, shutting, true) // while the first look runs
    await tick()
    markDownExplained(d, m, shutting, true)
    markDownExplained(d, m, { code: 'ssh_unreachable', reason: 'host unreachable' }, true)
    await tick()
    expect(asked).toEqual(['shutting_down@/data'])
    expect(m.down!.code).toBe('ssh_unreachable')
  })

  it('drops a late answer about an episode that ended', async () => {
    const { d, m } = setup([stopped])
    markDownExplained(d, m, shutting, false)
    m.state = 'up' // read up again before the answer came
    m.down = null
    await tick()
    expect(m.down).toBeNull()
  })
})
