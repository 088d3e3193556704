// `replicadesk health CLUSTER`: the verdict as a person reads it — state, the two survival
// numbers with their reasoning, then each finding with what to do (criticals first).
import type { HealthVerdict } from '../../shared/health'

const ORDER = { critical: 0, warning: 1, info: 2 } as const
const MARK = { critical: '!!', warning: ' !', info: ' i' } as const

export function formatHealth(v: HealthVerdict): string {
  const lines = [
    `Cluster ${v.cluster}: ${v.state.toUpperCase()}`,
    `  Survives ${v.noLoss.failures} member failure${v.noLoss.failures === 1 ? '' : 's'} without losing an acknowledged write: ${v.noLoss.why}`,
    `  Survives ${v.writes.failures} member failure${v.writes.failures === 1 ? '' : 's'} and keeps accepting writes: ${v.writes.why}`,
  ]
  const found = [...v.findings].sort((a, b) => ORDER[a.severity] - ORDER[b.severity])
  if (found.length) lines.push('', ...found.flatMap((f) => [`${MARK[f.severity]} ${f.text}`, `   → ${f.fix}`]))
  return lines.join('\n')
}
