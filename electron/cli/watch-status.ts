// `replicadesk status CLUSTER --watch`: the table again whenever the cluster's status changes
// (statusChanged events from the instance, or from a collector started in this process),
// at most twice a second, until Ctrl-C, or until the instance it watches through goes away.
// Under the table: the health verdict in one line (kept current by healthChanged) and a line
// for each time it got worse — the same event that raises the desktop notification, so a
// headless watcher sees what a desktop user would be told.
import { healthVerdict, healthWorse, type HealthVerdict, type HealthWorse } from '../../shared/health'
import { TRANSPORT_CLOSED, type CliSession } from './session'
import { asClusterStatus, formatStatus, splitBrainBanner } from './status-output'

/** Worsenings kept on screen (each redraw replaces the screen, so they are shown again). */
const WORSE_SHOWN = 5

const failures = (n: number) => `${n} failure${n === 1 ? '' : 's'}`

export function verdictLine(v: HealthVerdict): string {
  const counted = v.findings.filter((f) => f.severity !== 'info').length
  const findings = counted ? `; ${counted} finding${counted === 1 ? '' : 's'} (replicadesk health ${v.cluster})` : ''
  return `Health: ${v.state.toUpperCase()} — survives ${failures(v.noLoss.failures)} without losing a write, ${failures(v.writes.failures)} and keeps accepting writes${findings}`
}

/** One line per thing that got worse, stamped with the time of the verdict. */
export function worseLines(v: HealthVerdict, worse: HealthWorse): string[] {
  const time = `${v.at.slice(11, 19)}Z`
  return [...worse.survival.map((s) => `Now ${s}.`), ...worse.findings.map((f) => f.text)].map((text) => `${time} worse: ${text}`)
}

export async function watchStatus(
  session: CliSession,
  cluster: string,
  show: (text: string) => void,
  stop: AbortSignal,
): Promise<number> {
  let pending: NodeJS.Timeout | undefined
  let verdict: HealthVerdict | undefined
  let healthError: string | undefined
  const worse: string[] = []
  const healthText = () => {
    const line = verdict ? verdictLine(verdict) : healthError ? `Health: not available (${healthError})` : ''
    return [line, ...worse].filter(Boolean).join('\n')
  }
  // The instance went away: what is on screen is no longer live, so say so and end.
  let lost: ((why: string) => void) | undefined
  const gone = new Promise<string>((resolve) => (lost = resolve))
  const render = async () => {
    pending = undefined
    const reply = await session.call('status.get', { cluster })
    if (!reply.ok) return show(`Error: ${reply.error.message}`)
    const status = asClusterStatus(reply.value)
    if (status) show([formatStatus(status), splitBrainBanner(status) ?? '', healthText()].filter(Boolean).join('\n\n').trimEnd())
  }
  const schedule = () => {
    pending ??= setTimeout(() => void render().catch((err: Error) => lost?.(err.message)), 500)
  }
  const onHealth = (payload: unknown) => {
    const p = payload as { verdict?: unknown; worse?: unknown }
    const v = healthVerdict.safeParse(p.verdict)
    if (!v.success || v.data.cluster !== cluster) return
    verdict = v.data
    const w = healthWorse.safeParse(p.worse)
    if (w.success) worse.push(...worseLines(v.data, w.data))
    worse.splice(0, Math.max(0, worse.length - WORSE_SHOWN))
    schedule()
  }
  const off = session.onEvent((name, payload) => {
    if (name === TRANSPORT_CLOSED) return lost?.((payload as { message?: string } | undefined)?.message ?? 'The connection to the running ReplicaDesk closed.')
    if (name === 'healthChanged') return onHealth(payload)
    if (name !== 'statusChanged' || (payload as { cluster?: string }).cluster !== cluster) return
    schedule()
  })
  const first = async () => {
    const reply = await session.call('health.get', { cluster })
    if (reply.ok) verdict ??= healthVerdict.safeParse(reply.value).data
    else healthError = reply.error.message
    await render()
  }
  await first().catch((err: Error) => lost?.(err.message))
  const stopped = new Promise<void>((resolve) => (stop.aborted ? resolve() : stop.addEventListener('abort', () => resolve(), { once: true })))
  const why = await Promise.race([stopped.then(() => undefined), gone])
  off()
  if (pending) clearTimeout(pending)
  if (why === undefined) return 0
  show(`Error: ${why}
The status above is no longer live.`)
  return 1
}
