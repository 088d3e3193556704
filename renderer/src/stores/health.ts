// Health verdicts per cluster: asked once when a cluster is shown, then kept current by
// healthChanged. A verdict that got worse raises a desktop notification (once per worsening:
// the core sends `worse` only for new findings); clicking it opens the cluster.
import { defineStore } from 'pinia'
import { onScopeDispose, reactive } from 'vue'
import type { AppError } from '../../../shared/errors'
import type { HealthVerdict, HealthWorse } from '../../../shared/health'
import { asAppError } from './errors'
import { useBridge } from './bridge'

export interface HealthEntry {
  verdict?: HealthVerdict
  error?: AppError
}

/** Shows a notification where the platform allows it; `open` runs when it is clicked. */
export function notifyWorse(v: HealthVerdict, worse: HealthWorse, open: (cluster: string) => void): void {
  if (typeof Notification === 'undefined' || Notification.permission === 'denied') return
  const show = () => {
    const body = [...worse.survival.map((s) => `Now ${s}.`), ...worse.findings.map((f) => f.text)].join('\n')
    const n = new Notification(`Cluster ${v.cluster} is ${v.state}`, { body, tag: `replicadesk-health-${v.cluster}` })
    n.onclick = () => open(v.cluster)
  }
  if (Notification.permission === 'granted') show()
  else void Notification.requestPermission().then((p) => p === 'granted' && show())
}

export const useHealthStore = defineStore('health', () => {
  const { client } = useBridge()
  const byCluster = reactive(new Map<string, HealthEntry>())
  /** Set by the shell: how a clicked notification opens a cluster. */
  let open: (cluster: string) => void = () => undefined

  onScopeDispose(
    client.on('healthChanged', ({ verdict, worse }) => {
      byCluster.set(verdict.cluster, { verdict })
      if (worse) notifyWorse(verdict, worse, open)
    }),
  )

  async function load(cluster: string): Promise<void> {
    try {
      byCluster.set(cluster, { verdict: await client.health.get({ cluster }) })
    } catch (err) {
      byCluster.set(cluster, { ...byCluster.get(cluster), error: asAppError(err) })
    }
  }

  return {
    byCluster,
    load,
    of: (cluster: string) => byCluster.get(cluster),
    onOpen: (fn: (cluster: string) => void) => void (open = fn),
  }
})
