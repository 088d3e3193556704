// The notification URL of a cluster, called when its verdict gets worse: an ntfy topic gets a
// readable message (title, priority, tags), any other URL a JSON body. Bounded; a failure is
// reported, never thrown into the status path.
import type { HealthVerdict, HealthWorse } from '../../../shared/health'

export type Fetch = (url: string, init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal }) => Promise<{ ok: boolean; status: number }>

/** An ntfy topic (readable message with headers) rather than a webhook taking JSON; Patroni's callback script asks too. */
export const isNtfyUrl = (url: string) => /^https?:\/\/(?:[^/]*\.)?ntfy\b/.test(url)

export function notificationBody(url: string, v: HealthVerdict, worse: HealthWorse): { headers: Record<string, string>; body: string } {
  const lines = [...worse.survival.map((s) => `Now ${s}.`), ...worse.findings.map((f) => `${f.text} ${f.fix}`)]
  if (isNtfyUrl(url)) {
    const critical = worse.findings.some((f) => f.severity === 'critical')
    return {
      headers: { Title: `ReplicaDesk: cluster ${v.cluster} is ${v.state}`, Priority: critical ? 'high' : 'default', Tags: critical ? 'rotating_light' : 'warning', 'Content-Type': 'text/plain; charset=utf-8' },
      body: lines.join('\n'),
    }
  }
  return { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ source: 'replicadesk', cluster: v.cluster, state: v.state, at: v.at, worse, noLoss: v.noLoss, writes: v.writes, findings: v.findings }) }
}

export async function sendNotification(fetcher: Fetch, url: string, v: HealthVerdict, worse: HealthWorse, timeoutMs = 5000): Promise<void> {
  const { headers, body } = notificationBody(url, v, worse)
  let r: { ok: boolean; status: number }
  try {
    r = await fetcher(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) })
  } catch (err) {
    throw new Error(`The notification URL of cluster ${v.cluster} (${url}) did not answer within ${timeoutMs} ms or refused the connection (${(err as Error).message}). Check the address (settings --notify-url).`)
  }
  if (!r.ok) throw new Error(`The notification URL of cluster ${v.cluster} (${url}) answered HTTP ${r.status}. Check the address and the topic (settings --notify-url).`)
}
