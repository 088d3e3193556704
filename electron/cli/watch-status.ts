// `replicadesk status CLUSTER --watch`: the table again whenever the cluster's status changes
// (statusChanged events from the instance, or from a collector started in this process),
// at most twice a second, until Ctrl-C.
import type { CliSession } from './session'
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
  const off = session.onEvent((name, payload) => {
    if (name !== 'statusChanged' || (payload as { cluster?: string }).cluster !== cluster || pending) return
    pending = setTimeout(() => void render(), 500)
  })
  await render()
  await new Promise<void>((resolve) => (stop.aborted ? resolve() : stop.addEventListener('abort', () => resolve(), { once: true })))
  off()
  if (pending) clearTimeout(pending)
  return 0
}
