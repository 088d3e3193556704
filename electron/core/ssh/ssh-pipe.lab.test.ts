// A copy between two lab hosts relayed through the pooled connections (pipe.ts): byte for
// byte, counted, at about the speed of `ssh a cat | ssh b …`; and every way it can fail stops
// the other end on its host, with an error naming both hosts and the end that failed.
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cut, heal, requireNetns, sshArgv } from '../../../e2e/lab'
import { run } from '../../../e2e/lab/run'
import { failure, labContext, onHost } from '../../../e2e/support/ssh/lab-fixtures'
import { quoteArg } from './quote'
import type { SshService } from './service'

const ctx = labContext()
let svc: SshService
const MB = 1024 * 1024
// Each lab host has its own /tmp: the source file is made on host1 itself.
const file = `/tmp/rd-pipe-${process.pid}.bin`

beforeAll(() => {
  svc = ctx.service()
})
afterAll(async () => {
  await ctx.closeAll()
  await onHost(ctx.host('host1'), ['rm', '-f', file])
})

const from = () => ctx.target('host1')
const to = () => ctx.target('host2')
let seq = 0
/** A number no other process on the machine has in its command line (the hosts share PIDs). */
const marker = () => `${40 + (seq++ % 50)}.${process.pid}${Date.now() % 100000}`

/** Nothing whose command line holds `mark` runs on the host (checked right after the failure). */
async function noneLeft(host: 'host1' | 'host2', mark: string): Promise<void> {
  const r = await onHost(ctx.host(host), ['pgrep', '-af', mark])
  expect(r.code, `still running on ${host}: ${r.stdout}`).toBe(1)
}

describe('a copy between hosts through the pooled connections', () => {
  it('moves 200 MB from host1 to host2 byte for byte, counts it, logs both ends, and keeps up with ssh | ssh', async () => {
    // 200 copies of 1 MB + 7 random bytes: cheap to make on a loaded machine, never aligned on a power of two.
    const size = 200 * (MB + 7)
    const make = 'head -c 1048583 /dev/urandom >"$1.part" && for i in $(seq 200); do cat "$1.part"; done >"$1" && rm "$1.part" && chmod 644 "$1" && sha256sum "$1"'
    const made = await onHost(ctx.host('host1'), ['sh', '-c', make, 'sh', file])
    const sum = made.stdout.split(' ')[0]
    expect(sum).toMatch(/^[0-9a-f]{64}$/)
    const reports: number[] = []
    const seen: string[][] = []
    const off = ctx.activity.onEntry((e) => seen.push(e.argv))
    await svc.exec(from(), ['true']) // warm connections: the copy is measured, not the handshakes
    await svc.exec(to(), ['true'])
    const started = Date.now()
    const r = await svc.pipe(from(), ['cat', file], to(), ['sha256sum'], { timeoutMs: 60_000, idleTimeoutMs: 10_000, onBytes: (n) => reports.push(n) })
    const ms = Date.now() - started
    off()
    expect(r.to.stdout.split(' ')[0]).toBe(sum)
    expect(r.bytes).toBe(size)
    expect(r.from.exitCode).toBe(0)
    expect(r.to.exitCode).toBe(0)
    // Throttled progress: rising, at most ~4 a second plus the last one, which is the total.
    expect(reports.at(-1)).toBe(size)
    expect(reports.length).toBeLessThanOrEqual(Math.ceil(ms / 250) + 2)
    expect([...reports].sort((a, b) => a - b)).toEqual(reports)
    expect(seen).toEqual(expect.arrayContaining([['cat', file], ['sha256sum']]))

    // The same bytes through two OpenSSH clients piped together, on the same hosts; their two
    // handshakes (timed alone) are taken out, since the copy above ran on warm connections.
    const q = (argv: string[]) => argv.map(quoteArg).join(' ')
    const sshLine = (host: string, command: string) => q(['ssh', ...sshArgv(host), '--', command])
    const timed = async (line: string) => {
      const t0 = Date.now()
      const out = await run('bash', ['-c', line], { timeoutMs: 60_000 })
      return { out, ms: Date.now() - t0 }
    }
    const bare = await timed(`${sshLine('host1', q(['cat', file]))} | ${sshLine('host2', 'sha256sum')}`)
    const handshakes = await timed(`${sshLine('host1', 'true')} | ${sshLine('host2', 'true')}`)
    expect(bare.out.stdout.split(' ')[0]).toBe(sum)
    const bareMs = Math.max(1, bare.ms - handshakes.ms)
    const rate = (t: number) => (size / MB / (t / 1000)).toFixed(1)
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
    console.log(`pipe ${(size / MB).toFixed(0)} MB host1 → host2: ReplicaDesk ${rate(ms)} MB/s (${ms} ms); ssh | ssh ${rate(bareMs)} MB/s (${bare.ms} ms less ${handshakes.ms} ms of handshakes); load ${load}`)
    expect(ms, 'far slower than two OpenSSH clients').toBeLessThan(3 * bareMs + 2000)
  }, 60_000)

  it('holds the source while the sink does not read (backpressure): a few MB in flight, not the whole stream', async () => {
    const samples: [number, number][] = []
    const started = Date.now()
    const r = await svc.pipe(from(), ['head', '-c', String(64 * MB), '/dev/zero'], to(), ['sh', '-c', 'sleep 1.5; cat >/dev/null'], { timeoutMs: 30_000, onBytes: (n) => samples.push([Date.now() - started, n]) })
    expect(r.bytes).toBe(64 * MB)
    const whileAsleep = samples.filter(([t]) => t < 1200).map(([, n]) => n)
    console.log(`bytes read from host1 while the sink slept: ${whileAsleep.map((n) => (n / MB).toFixed(1)).join(', ')} MB`)
    expect(whileAsleep.length).toBeGreaterThan(0)
    expect(Math.max(...whileAsleep)).toBeLessThan(16 * MB)
  })

  it('a source that fails mid-way stops the sink and says which end failed', async () => {
    const sinkMark = marker()
    const started = Date.now()
    const e = await failure(
      svc.pipe(from(), ['sh', '-c', 'head -c 30000000 /dev/urandom; echo "source broke" >&2; exit 3'], to(), ['sh', '-c', 'cat >/dev/null; sleep "$1"', 'sh', sinkMark], { timeoutMs: 30_000 }),
    )
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(e.code).toBe('command_failed')
    expect(e.message).toContain(`from ${from().user}@${ctx.host('host1').address}`)
    expect(e.message).toContain(ctx.host('host2').address)
    expect(e.message).toContain('exit 3')
    expect(e.message).toContain('source broke')
    expect(e.message).toContain('was stopped as well')
    expect(e.detail).toMatchObject({ side: 'from', reason: 'failed', from: { exitCode: 3, stderrTail: 'source broke' }, to: { stopped: true } })
    expect((e.detail as { bytes: number }).bytes).toBeGreaterThan(0)
    await noneLeft('host2', sinkMark)
  })

  it('a sink that fails early stops the source', async () => {
    const sourceMark = marker()
    const e = await failure(
      svc.pipe(from(), ['sh', '-c', 'cat /dev/zero; sleep "$1"', 'sh', sourceMark], to(), ['sh', '-c', 'head -c 1000000 >/dev/null; echo "No space left on device" >&2; exit 1'], { timeoutMs: 30_000 }),
    )
    expect(e.code).toBe('command_failed')
    expect(e.message).toMatch(/destination side/)
    expect(e.message).toContain('exit 1')
    expect(e.message).toContain('No space left on device')
    expect(e.detail).toMatchObject({ side: 'to', to: { exitCode: 1 }, from: { stopped: true } })
    await noneLeft('host1', sourceMark)
  })

  it('no byte for idleTimeoutMs stops both ends', async () => {
    const [sourceMark, sinkMark] = [marker(), marker()]
    const started = Date.now()
    const e = await failure(
      svc.pipe(from(), ['sh', '-c', 'printf abc; sleep "$1"', 'sh', sourceMark], to(), ['sh', '-c', 'cat >/dev/null; exit 0', 'sh', sinkMark], { timeoutMs: 30_000, idleTimeoutMs: 1000 }),
    )
    const took = Date.now() - started
    expect(e.code).toBe('ssh_timeout')
    expect(e.message).toMatch(/sent nothing for 1 s/)
    expect(e.detail).toMatchObject({ side: 'from', reason: 'idle', bytes: 3 })
    expect(took).toBeGreaterThanOrEqual(1000)
    expect(took).toBeLessThan(5000)
    await noneLeft('host1', sourceMark)
    await noneLeft('host2', sinkMark)
  })

  it('the time limit stops both ends, also a sink that ignores SIGTERM', async () => {
    const [sourceMark, sinkMark] = [marker(), marker()]
    const started = Date.now()
    const timeoutMs = 1500
    const e = await failure(
      svc.pipe(from(), ['sh', '-c', 'cat /dev/zero; sleep "$1"', 'sh', sourceMark], to(), ['sh', '-c', `trap '' TERM; sleep "$1"`, 'sh', sinkMark], { timeoutMs }),
    )
    const took = Date.now() - started
    console.log(`time limit ${timeoutMs} ms: the copy failed after ${took} ms: ${e.message} ${JSON.stringify(e.detail)}`)
    expect(e.code).toBe('ssh_timeout')
    expect(e.message).toContain(`within ${timeoutMs} ms`)
    expect(took).toBeGreaterThanOrEqual(timeoutMs)
    expect(took).toBeLessThan(timeoutMs + 4500)
    await noneLeft('host1', sourceMark)
    await noneLeft('host2', sinkMark)
  })

  it('stops an end that runs through sudo as another user (sudo passes TERM on)', async () => {
    const sinkMark = marker()
    const admin = ctx.target('host2', ctx.lab.users.admin)
    const e = await failure(
      svc.pipe(from(), ['sh', '-c', 'head -c 1000000 /dev/zero; exit 4'], admin, ['sh', '-c', 'cat >/dev/null; sleep "$1"', 'sh', sinkMark], { timeoutMs: 30_000, toSudo: 'postgres' }),
    )
    expect(e.detail).toMatchObject({ side: 'from', from: { exitCode: 4 }, to: { stopped: true } })
    await noneLeft('host2', sinkMark)
  })

  it('a lost connection to the sink fails the copy within seconds and stops the source', async (tc) => {
    if (!requireNetns('cutting one host off needs network namespaces', { lab: ctx.lab, skip: tc.skip })) return
    const cutSvc = ctx.service()
    const sourceMark = marker()
    const h2 = ctx.host('host2')
    await cutSvc.exec(to(), ['true'])
    const copying = failure(cutSvc.pipe(from(), ['sh', '-c', 'cat /dev/zero; sleep "$1"', 'sh', sourceMark], to(), ['sh', '-c', 'cat >/dev/null; exit 0'], { timeoutMs: 8000 }))
    await new Promise((r) => setTimeout(r, 500))
    const cutAt = Date.now()
    await cut(h2.name, ctx.lab)
    try {
      const e = await copying
      console.log(`link to the sink cut: the copy failed ${Date.now() - cutAt} ms later: ${e.message}`)
      expect(e.code).toBe('ssh_connect')
      expect(e.message).toContain(`destination side, ${to().user}@${h2.address}`)
      expect(e.detail).toMatchObject({ side: 'to', from: { stopped: true } })
      expect(Date.now() - cutAt).toBeLessThan(4000)
      await noneLeft('host1', sourceMark)
    } finally {
      await heal(h2.name, ctx.lab) // what ran on host2 ends by its own `timeout` on the host
    }
  })

  it('refuses a copy without a time limit or with an empty command before anything runs', async () => {
    expect((await failure(svc.pipe(from(), ['true'], to(), [], { timeoutMs: 1000 }))).code).toBe('invalid_input')
    expect((await failure(svc.pipe(from(), ['true'], to(), ['true'], { timeoutMs: 0 }))).code).toBe('invalid_input')
  })
})
