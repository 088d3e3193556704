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

/** The facts of a list of probes, together (each probe adds its own fields). */
type FactsOf<P> = P extends HostProbe<infer F> ? F : never
type Together<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never
export type ProbedFacts<P extends readonly HostProbe<object>[]> = Together<FactsOf<P[number]>> & object

/**
 * Runs the test's commands on a connected session (`run` records them in the activity log like
 * any command): the round trip first, alone, so that it is timed; then the OS and every probe at
 * once, each on its own channel. The probes' facts come after the OS, as the contract lists them.
 */
export async function runHostTest<P extends readonly HostProbe<object>[]>(
  label: string,
  session: Session,
  run: (argv: readonly Arg[], opts: ExecOptions) => Promise<ExecResult>,
  probes: P,
): Promise<HostTestResult & ProbedFacts<P>> {
  const t0 = performance.now()
  await run(['true'], { timeoutMs: 10_000 })
  const roundTripMs = Math.round((performance.now() - t0) * 10) / 10
  const [osr, ...probed] = await Promise.all([run(['cat', '/etc/os-release'], { ...PROBE_LIMITS, okExitCodes: [0, 1] }), ...probes.map((p) => run(p.argv, PROBE_LIMITS))])
  const facts = Object.assign({}, ...probes.map((p, i) => p.parse(probed[i]!.stdout))) as ProbedFacts<P>
  return {
    host: label,
    os: osr.exitCode === 0 ? parseOsRelease(osr.stdout) : null,
    ...facts,
    roundTripMs,
    shell: session.shell?.shell ?? 'unknown',
    hostKey: { fingerprint: session.hostKey.fingerprint, keyType: session.hostKey.keyType },
  }
}
