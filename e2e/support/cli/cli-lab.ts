// The CLI against the lab, as a user runs it (test code): a fresh data dir whose known_hosts
// trusts the lab's host keys, the three lab hosts added as records (login postgres), the CLI
// in-process (`cli`) or as its own process that can be killed at a fault point (`cliProcess`).
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import { exec, execOk, readLab, type Lab, type LabHost } from '../../lab'
import { runCli, type CliIo } from '../../../electron/cli/main'

export interface CliLab {
  lab: Lab
  hosts: LabHost[]
  dataDir: string
  cli(...argv: string[]): Promise<{ code: number; out: string; err: string; progress: string }>
  /** The same with extra io (e.g. an asker that answers the confirmation). */
  cliWith(io: Partial<CliIo>, ...argv: string[]): Promise<{ code: number; out: string; err: string; progress: string }>
  cliProcess(fault: string, ...argv: string[]): ReturnType<typeof spawnSync>
  psql(host: LabHost, port: number, sql: string): Promise<string>
}

/** `user`: the login of the host records (postgres; the admin login rdadmin for MariaDB). */
export async function cliLab(o: { user?: string } = {}): Promise<CliLab> {
  const lab = readLab()
  const hosts = lab.hosts.filter((h) => !h.sudoAsksPassword).slice(0, 3)
  const dir = mkdtempSync(join(tmpdir(), 'rd-cli-lab-'))
  const dataDir = join(dir, 'data')
  writeFileSync(join(dir, 'known_hosts'), hosts.map((h) => `${h.address} ${h.hostKeyPublic}`).join('\n') + '\n')
  Object.assign(process.env, { REPLICADESK_KNOWN_HOSTS: join(dir, 'known_hosts'), REPLICADESK_SSH_CONFIG: join(dir, 'no-config') })
  delete process.env.SSH_AUTH_SOCK

  const cliWith = async (io: Partial<CliIo>, ...argv: string[]) => {
    const out: string[] = []
    const err: string[] = []
    const progress: string[] = []
    const code = await runCli([...argv, '--data-dir', dataDir], {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      progress: { isTerminal: false, write: (t) => void progress.push(t) },
      ...io,
    })
    return { code, out: out.join('\n'), err: err.join('\n'), progress: progress.join('') }
  }
  const cli = (...argv: string[]) => cliWith({}, ...argv)
  const cliProcess = (fault: string, ...argv: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'electron/cli/bin.ts', ...argv, '--data-dir', dataDir], {
      env: { ...process.env, REPLICADESK_FAULT: fault },
      encoding: 'utf8',
      timeout: 120_000,
    })
  const psql = async (host: LabHost, port: number, sql: string) =>
    (await execOk(host.name, ['psql', '-X', '-At', '-h', '/var/run/postgresql', '-p', String(port), '-d', 'postgres', '-c', sql], { user: 'postgres' })).trim()

  for (const [i, h] of hosts.entries()) {
    expect((await cli('host', 'add', `h${i + 1}`, '--address', h.address, '--user', o.user ?? 'postgres', '--identity-file', lab.clientKeyPath)).code).toBe(0)
  }
  return { lab, hosts, dataDir, cli, cliWith, cliProcess, psql }
}

const CLEANUP = `for d in "$@"; do
  [ -f "$d/postmaster.pid" ] && runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$d" -m immediate -w stop >/dev/null 2>&1
  rm -rf -- "$d"
done
rm -rf /var/lib/postgresql/.pgpass /var/lib/postgresql/.replicadesk /var/log/postgresql/replicadesk-*.log
exit 0`

/** Stops and removes plain data dirs on every host, with the passfile, claims and fences. */
export async function cleanupDataDirs(hosts: readonly LabHost[], dirs: readonly string[]): Promise<void> {
  await Promise.all(hosts.map((h) => exec(h.name, ['sh', '-c', CLEANUP, 'sh', ...dirs])))
}

/**
 * Who is writable, and which standbys stream from it, read on the servers as postgres
 * (`members[i]` runs on `hosts[i]`, port 5432). A host that is down answers nothing.
 */
export async function topology(hosts: readonly LabHost[], members: readonly string[]): Promise<{ primaries: string[]; streaming: string[] }> {
  const answers = await Promise.all(
    members.map(async (m, i) => {
      const r = await exec(hosts[i]!.name, ['psql', '-X', '-At', '-h', '/var/run/postgresql', '-d', 'postgres', '-c', "SELECT NOT pg_is_in_recovery(), (SELECT coalesce(string_agg(application_name, ',' ORDER BY application_name), '') FROM pg_stat_replication WHERE state = 'streaming')"], { user: 'postgres', timeoutMs: 5000 }).catch(() => ({ code: -1, stdout: '' }))
      return { name: m, out: r.code === 0 ? r.stdout.trim() : '' }
    }),
  )
  const primaries = answers.filter((a) => a.out.startsWith('t|'))
  return { primaries: primaries.map((a) => a.name), streaming: primaries.length === 1 ? primaries[0]!.out.slice(2).split(',').filter(Boolean).sort() : [] }
}

/** Reads until `ok` (every `everyMs`) or throws after `timeoutMs`; returns the value and how long it took. */
export async function waitFor<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000, everyMs = 100): Promise<{ value: T; ms: number }> {
  const t0 = performance.now()
  for (;;) {
    const value = await read()
    if (ok(value)) return { value, ms: performance.now() - t0 }
    if (performance.now() - t0 > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms (last: ${JSON.stringify(value)})`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}
