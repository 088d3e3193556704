// A slot filling the disk is predicted before it fills (issue 17). The primary's data dir lives
// on a small tmpfs inside lab host 1; its replica is stopped, so the replica's slot keeps every
// WAL segment from then on (wal_keep_size 0 and a small max_wal_size: without the slot, WAL
// would be recycled); pgbench INSERTs at a fixed rate, a steady load (autovacuum is off for the
// table: with wal_log_hints on, its first pass writes the whole table into WAL again, ~70 MB in
// 10 s here, which no rate foresees). A running instance (the headless server,
// from these sources) computes the verdict; `replicadesk health --json` asks it every 2 s until
// the disk is full (the first write refused). The predictions and the real time are printed side
// by side. Through the same instance, `status --watch` prints the worsening, and
// `health-history` has kept it.
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exec, execOk, type LabHost } from '../../../e2e/lab'
import { cleanupDataDirs, cliLab, waitFor, type CliLab } from '../../../e2e/support/cli/cli-lab'
import { runCli } from '../../cli/main'

const disk = '/srv/rd-slot-fill'
const DISK_MB = 240
const primaryDir = `${disk}/f1`
const replicaDir = '/var/lib/postgresql/15/rd-sf-f2'
const SLOT = 'rd_f2'
const PG = '/usr/lib/postgresql/15/bin'
// 400 rows of ~1 kB twice a second: ~0.8 MB/s of WAL, and about as much again in the table.
const LOAD = "INSERT INTO fill SELECT md5(random()::text) || repeat('x', 968) FROM generate_series(1, 400);\n"

interface Verdict {
  state: string
  findings: { id: string; severity: string; text: string }[]
}

let t: CliLab
let hosts: LabHost[]
let instance: ChildProcess | undefined
const instanceLog: string[] = []

/** `replicadesk serve` from these sources (out/ may hold an older build): returns once it listens and has written its instance file. */
async function startInstance(dataDir: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'electron/server/bin.ts', '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] })
  instance = child
  createInterface({ input: child.stderr! }).on('line', (l) => instanceLog.push(`stderr: ${l}`))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the instance did not start within 60 s:\n${instanceLog.join('\n')}`)), 60_000)
    child.once('exit', (code) => reject(new Error(`the instance exited (${code}):\n${instanceLog.join('\n')}`)))
    createInterface({ input: child.stdout! }).on('line', (l) => {
      instanceLog.push(l)
      if (!/^Data dir: /.test(l)) return
      clearTimeout(timer)
      resolve()
    })
  })
}

async function stopInstance(): Promise<void> {
  const child = instance
  instance = undefined
  if (!child || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
}

const health = async () => JSON.parse((await t.cli('health', 'sf', '--json')).out) as Verdict
const avail = async () => Number((await execOk(hosts[0]!.name, ['df', '-B1', '--output=avail', disk])).trim().split('\n').at(-1))
const MiB = (n: number) => (n / 1048576).toFixed(0)

/** "is full in about 3 minutes" → 180 s; "in at most about 3 minutes" (the WAL alone, before df has measured the fall) → an upper bound. */
function predicted(text: string): { seconds: number; atMost: boolean } {
  const m = /full in (at most )?about (\d+(?:\.\d+)?) (second|minute|hour)s?/.exec(text)
  if (!m) throw new Error(`no time to full in: ${text}`)
  return { seconds: Number(m[2]) * { second: 1, minute: 60, hour: 3600 }[m[3] as 'second' | 'minute' | 'hour'], atMost: !!m[1] }
}

beforeAll(async () => {
  t = await cliLab()
  hosts = t.hosts
  await cleanupDataDirs(hosts, [primaryDir, replicaDir])
  await execOk(hosts[0]!.name, ['sh', '-c', `mkdir -p "$1" && mount -t tmpfs -o size=${DISK_MB}m,uid=$(id -u postgres),gid=$(id -g postgres),mode=0755 rdslotfill "$1"`, 'sh', disk])
  expect((await t.cli('cluster', 'create', 'sf', '--member', 'f1', '--host', 'h1', '--pgdata', primaryDir)).code).toBe(0)
  expect((await t.cli('replica', 'add', 'sf', 'f2', '--host', 'h2', '--pgdata', replicaDir)).err).toBe('')
  // Only the slot may keep WAL: without it, checkpoints recycle what is past 64 MB (and keep few spare segments).
  for (const sql of ["ALTER SYSTEM SET wal_keep_size = '0'", "ALTER SYSTEM SET max_wal_size = '64MB'", "ALTER SYSTEM SET min_wal_size = '32MB'", 'SELECT pg_reload_conf()', 'CREATE TABLE fill (v text) WITH (autovacuum_enabled = off)']) await t.psql(hosts[0]!, 5432, sql)
  await execOk(hosts[0]!.name, ['sh', '-c', 'cat > /tmp/rd-fill.sql'], { user: 'postgres', input: LOAD })
  await startInstance(t.dataDir)
}, 240_000)

afterAll(async () => {
  await stopInstance()
  await cleanupDataDirs(hosts, [primaryDir, replicaDir])
  await exec(hosts[0]!.name, ['sh', '-c', 'umount "$1" || umount -l "$1"; rmdir "$1"; rm -f /tmp/rd-fill.sql', 'sh', disk])
}, 60_000)

describe('a slot filling the disk', () => {
  it('is named in the verdict with the time left, before the disk is full', async () => {
    await waitFor('f2 streams (as the instance sees it)', health, (v) => v.state !== 'unknown' && !v.findings.some((f) => /^(down|not-streaming):f2$/.test(f.id)), 60_000, 1000)
    await execOk(hosts[1]!.name, [`${PG}/pg_ctl`, '-D', replicaDir, '-m', 'fast', '-w', 'stop'], { user: 'postgres' })
    await waitFor('f2 shown down', health, (v) => v.findings.some((f) => f.id === 'down:f2'), 30_000, 1000)

    const shown: string[] = []
    const stopWatch = new AbortController()
    const watching = runCli(['status', 'sf', '--watch', '--data-dir', t.dataDir], { out: (s) => shown.push(s), err: (s) => shown.push(s), stop: stopWatch.signal })

    const t0 = performance.now()
    const at = () => (performance.now() - t0) / 1000
    let full: number | undefined
    const load = exec(hosts[0]!.name, ['timeout', '900', `${PG}/pgbench`, '-n', '-c', '1', '-R', '2', '-T', '900', '-f', '/tmp/rd-fill.sql', '-h', '/var/run/postgresql', 'postgres'], { user: 'postgres', timeoutMs: 960_000 })
    void load.then(() => (full ??= at()))
    const freeAtStart = await avail()
    const seen: { s: number; free: number; predicted: number; atMost: boolean; text: string }[] = []
    while (full === undefined && at() < 600) {
      const [v, free] = await Promise.all([health(), avail()])
      const f = v.findings.find((x) => x.id === `slot-fill:${SLOT}`)
      if (f && full === undefined) {
        const p = predicted(f.text)
        seen.push({ s: at(), free, predicted: p.seconds, atMost: p.atMost, text: f.text })
        if (seen.length === 1) expect(f.severity).toBe('critical')
      }
      await new Promise((r) => setTimeout(r, 2000))
    }
    const loaded = await load
    const fullAt = full ?? at()
    const why = `${loaded.stdout}${loaded.stderr}`.trim().split('\n').slice(-3).join(' | ')

    console.log(`[slot-fill] tmpfs ${DISK_MB} MiB, ${MiB(freeAtStart)} MiB free when the load started; the load ended at ${fullAt.toFixed(0)} s: ${why}`)
    for (const p of seen.filter((_, i) => i % 5 === 0 || i === seen.length - 1)) {
      console.log(`[slot-fill] at ${p.s.toFixed(0).padStart(3)} s (${MiB(p.free).padStart(3)} MiB free): predicted full in ${p.predicted.toFixed(0).padStart(4)} s (at ~${(p.s + p.predicted).toFixed(0)} s), actually ${(fullAt - p.s).toFixed(0)} s — "${p.text}"`)
    }
    expect(why).toMatch(/No space left on device|could not (extend|write)|PANIC|server closed the connection|terminated/i)
    expect(seen.length, 'the verdict never named the slot').toBeGreaterThan(0)
    const first = seen[0]!
    expect(first.s).toBeLessThan(fullAt - 30) // with time to act
    // Every prediction made with time to act is within a factor of two of the real time (not
    // closer: a burst moves it, e.g. autovacuum writing the whole table again into WAL). One made
    // before df measured the fall counts the WAL alone and says "at most": it is not early (the
    // data fills the disk too, so it may be late by about that much again), and the next ones are measured.
    const early = seen.filter((x) => fullAt - x.s >= 30)
    for (const p of early) {
      expect(p.predicted, p.text).toBeGreaterThan((fullAt - p.s) / 2)
      expect(p.predicted, p.text).toBeLessThan((fullAt - p.s) * (p.atMost ? 3 : 2))
    }
    expect(early.filter((p) => !p.atMost).length, 'no prediction with the measured fall of the free space').toBeGreaterThan(0)

    await expect.poll(() => shown.join('\n'), { timeout: 10_000 }).toMatch(new RegExp(`worse: Slot ${SLOT} holds`))
    expect(shown.join('\n')).toMatch(/Health: DEGRADED — survives/)
    stopWatch.abort()
    expect(await watching).toBe(0)
    console.log(`[slot-fill] status --watch printed: ${shown.join('\n').split('\n').find((l) => l.includes(`worse: Slot ${SLOT}`))}`)

    const history = JSON.parse((await t.cli('health-history', 'sf', '--seconds', '900', '--json')).out) as { entries: { at: string; state: string; findings: string[] }[] }
    const withSlot = history.entries.findIndex((e) => e.findings.includes(`slot-fill:${SLOT}`))
    expect(withSlot).toBeGreaterThan(0)
    expect(history.entries[withSlot - 1]!.findings).toContain('down:f2')
    // Without a running instance nothing keeps a history: said, not an empty list.
    await stopInstance()
    const standalone = await t.cli('health-history', 'sf')
    expect(standalone.code).toBe(1)
    expect(standalone.err).toMatch(/not being watched here: its verdict history is kept by a running ReplicaDesk/)
    console.log(`[slot-fill] health-history: ${history.entries.map((e) => `${e.at.slice(11, 19)} ${e.state} [${e.findings.filter((x) => x !== 'no-backup' && x !== 'no-domains').join(' ')}]`).join(' → ')}`)
  }, 900_000)
})
