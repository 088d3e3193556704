// Can this host reach the other members on their database port? Replication connects from the
// standby to the primary, and any member may become either, so every member must reach every
// other one. Tested from the host itself with bash's /dev/tcp, each target in parallel and
// bounded by `timeout`, so a firewall that drops packets costs seconds, not minutes.
import type { PgCluster } from '../../../../shared/postgres'
import type { PrepareCheck } from '../../../../shared/prepare'
import type { HostExec } from '../../engines/host-exec'

export interface ReachTarget {
  /** cluster/member, as the check names it. */
  label: string
  address: string
  port: number
}

export type ReachState = 'open' | 'refused' | 'timeout' | 'unreachable'

const PER_TARGET_S = 3
const MAX_TARGETS = 32

// Arguments: LABEL ADDRESS PORT, repeated. Prints `reach LABEL STATE [message]` per target.
export const REACH_SCRIPT = `export LC_ALL=C
while [ $# -ge 3 ]; do
  ( l=$1 a=$2 p=$3
    if out=$(timeout ${PER_TARGET_S} bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$a" "$p" 2>&1); then echo "reach $l open"
    elif [ $? = 124 ]; then echo "reach $l timeout"
    else case $out in *refused*) echo "reach $l refused" ;; *) echo "reach $l unreachable \${out##*: }" ;; esac; fi ) &
  shift 3
done
wait`

/** The members of these clusters that run on other hosts (deduplicated by address and port). */
export function reachTargets(clusters: readonly PgCluster[], host: string): ReachTarget[] {
  const seen = new Set<string>()
  const out: ReachTarget[] = []
  for (const c of clusters) {
    for (const m of c.members) {
      const key = `${m.address}:${m.port}`
      if (m.host === host || seen.has(key)) continue
      seen.add(key)
      out.push({ label: `${c.id}/${m.name}`, address: m.address, port: m.port })
    }
  }
  return out.slice(0, MAX_TARGETS)
}

export function parseReach(stdout: string): Map<string, { state: ReachState; message?: string }> {
  const found = new Map<string, { state: ReachState; message?: string }>()
  for (const line of stdout.split('\n')) {
    const m = /^reach (\S+) (open|refused|timeout|unreachable)(?: (.*))?$/.exec(line.trim())
    if (m) found.set(m[1]!, { state: m[2] as ReachState, ...(m[3] ? { message: m[3] } : {}) })
  }
  return found
}

const TITLE = 'Other members reachable on their database port'

const why = (state: ReachState | undefined, message?: string) =>
  state === 'refused' ? 'refused (nothing listens there, or a firewall rejects it)'
  : state === 'timeout' ? `no answer within ${PER_TARGET_S} s (a firewall drops it, or the host is down)`
  : state === 'unreachable' ? `unreachable${message ? ` (${message})` : ''}`
  : 'not tested'

/** The check from what the script printed (undefined output: the script could not run, with why). */
export function reachCheck(host: string, targets: readonly ReachTarget[], result: { stdout: string } | { error: string }): PrepareCheck {
  if (!targets.length) return { id: 'reach-members', title: TITLE, state: 'ok', detail: 'no member of a known cluster runs on another host yet' }
  if ('error' in result) return { id: 'reach-members', title: TITLE, state: 'unknown', detail: `could not be tested: ${result.error}` }
  const found = parseReach(result.stdout)
  const bad = targets.filter((t) => found.get(t.label)?.state !== 'open')
  const name = (t: ReachTarget) => `${t.label} (${t.address}:${t.port})`
  if (!bad.length) return { id: 'reach-members', title: TITLE, state: 'ok', detail: `reaches ${targets.map(name).join(', ')}` }
  return {
    id: 'reach-members',
    title: TITLE,
    state: 'missing',
    detail: bad.map((t) => `${name(t)}: ${why(found.get(t.label)?.state, found.get(t.label)?.message)}`).join('; '),
    fix: `allow TCP from ${host} to ${bad.map((t) => `${t.address}:${t.port}`).join(', ')} (the firewall on both sides; PostgreSQL there must listen on that address: listen_addresses), then check again`,
  }
}

/** Runs the test on the host: at most ~PER_TARGET_S seconds whatever the number of targets. */
export async function probeReach(exec: HostExec, host: string, targets: readonly ReachTarget[]): Promise<PrepareCheck> {
  if (!targets.length) return reachCheck(host, targets, { stdout: '' })
  try {
    const r = await exec.exec(host, ['bash', '-c', REACH_SCRIPT, 'rd-reach', ...targets.flatMap((t) => [t.label, t.address, String(t.port)])], { timeoutMs: (PER_TARGET_S + 7) * 1000, okExitCodes: Array.from({ length: 256 }, (_, i) => i) })
    if (r.exitCode === 127) return reachCheck(host, targets, { error: `no bash on ${host}` })
    return reachCheck(host, targets, { stdout: r.stdout })
  } catch (err) {
    return reachCheck(host, targets, { error: (err as Error).message })
  }
}
