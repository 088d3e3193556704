// The host test ("can ReplicaDesk work with this host?"): one round trip timed, the OS from
// /etc/os-release, the login shell and host key of the connection, and whatever the caller's
// probe adds. The SSH layer knows no database: what is installed (PostgreSQL's versions, …)
// is an engine's probe, one constant command whose output the engine reads itself.
import type { Arg } from './quote'
import type { ExecOptions, ExecResult } from './exec'
import type { Session } from './session'

export interface HostTestResult {
  host: string
  os: { id?: string; versionId?: string; prettyName?: string } | null
  roundTripMs: number
  shell: string
  hostKey: { fingerprint: string; keyType: string }
}

/** A command added to the host test, and the facts read from its output (never throws). */
export interface HostProbe<Facts extends object> {
  argv: readonly Arg[]
  parse(stdout: string): Facts
}

const PROBE_LIMITS: ExecOptions = { timeoutMs: 10_000, maxOutputBytes: 64 * 1024 }

function parseOsRelease(text: string): HostTestResult['os'] {
  const v: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim())
    if (m) v[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1').slice(0, 200)
  }
  return { id: v.ID, versionId: v.VERSION_ID, prettyName: v.PRETTY_NAME }
}

/**
 * Runs the test's commands one after the other on a connected session (`run` records them in
 * the activity log like any command). The probe's facts come after the OS, as the contract
 * lists them.
 */
export async function runHostTest<F extends object>(
  label: string,
  session: Session,
  run: (argv: readonly Arg[], opts: ExecOptions) => Promise<ExecResult>,
  probe?: HostProbe<F>,
): Promise<HostTestResult & F> {
  const t0 = performance.now()
  await run(['true'], { timeoutMs: 10_000 })
  const roundTripMs = Math.round((performance.now() - t0) * 10) / 10
  const osr = await run(['cat', '/etc/os-release'], { ...PROBE_LIMITS, okExitCodes: [0, 1] })
  const facts = probe ? probe.parse((await run(probe.argv, PROBE_LIMITS)).stdout) : ({} as F)
  return {
    host: label,
    os: osr.exitCode === 0 ? parseOsRelease(osr.stdout) : null,
    ...facts,
    roundTripMs,
    shell: session.shell?.shell ?? 'unknown',
    hostKey: { fingerprint: session.hostKey.fingerprint, keyType: session.hostKey.keyType },
  }
}
