// `replicadesk status CLUSTER --watch`: the table again whenever the cluster's status changes
// (statusChanged events from the instance, or from a collector started in this process),
// at most twice a second, until Ctrl-C, or until the instance it watches through goes away.
import { TRANSPORT_CLOSED, type CliSession } from './session'
import { asClusterStatus, formatStatus, splitBrainBanner } from './status-output'

export async function watchStatus(
  session: CliSession,
  cluster: string,
  show: (text: string) => void,
  stop: AbortSignal,
): Promise<number> {
  let pending: NodeJS.Timeout | undefined
  const render = async () => {
    pending = undefined
    const reply = await session.call('status.get', { cluster })
    if (!reply.ok) return show(`Error: ${reply.error.message}`)
    const status = asClusterStatus(reply.value)
    if (status) show([formatStatus(status), splitBrainBanner(status) ?? ''].join('\n').trimEnd())
  }
  // The instance went away: what is on screen is no longer live, so say so and end.
  let lost: ((why: string) => void) | undefined
  const gone = new Promise<string>((resolve) => (lost = resolve))
  const off = session.onEvent((name, payload) => {
    if (name === TRANSPORT_CLOSED) return lost?.((payload as { message?: string } | undefined)?.message ?? 'The connection to the running ReplicaDesk closed.')
    if (name !== 'statusChanged' || (payload as { cluster?: string }).cluster !== cluster || pending) return
    pending = setTimeout(() => void render().catch((err: Error) => lost?.(err.message)), 500)
  })
  await render().catch((err: Error) => lost?.(err.message))
  const stopped = new Promise<void>((resolve) => (stop.aborted ? resolve() : stop.addEventListener('abort', () => resolve(), { once: true })))
  const why = await Promise.race([stopped.then(() => undefined), gone])
  off()
  if (pending) clearTimeout(pending)
  if (why === undefined) return 0
  show(`Error: ${why}
The status above is no longer live.`)
  return 1
}
