// Drift: a managed setting that differs on a server from what the cluster record asks (changed
// behind ReplicaDesk's back with ALTER SYSTEM or a config file, or left relaxed), and restarts
// still pending. Read on every member that answers; one read per member.
import type { HostExec } from '../../host-exec'
import type { PgCluster } from '../model'
import { PgNode } from '../node'
import { answered, readSettings } from './read'
import { needsRestart, sameValue, SETTING_KEYS, wantedValues } from './values'

export interface Drift {
  member: string
  setting: string
  /** What the server has (configured: after its next restart for restart-only settings). */
  server: string
  wanted: string
}

export interface DriftReading {
  drift: Drift[]
  /** Members with a restart pending for a managed setting, and which. */
  pendingRestart: { member: string; settings: string[] }[]
  /** Members that did not answer (nothing is claimed about them). */
  unread: string[]
}

export async function readDrift(hosts: HostExec, c: PgCluster, timeoutMs = 3000): Promise<DriftReading> {
  const seen = await Promise.all(c.members.map((m) => readSettings(new PgNode(hosts, m, c.major), timeoutMs)))
  const drift: Drift[] = []
  const pendingRestart: DriftReading['pendingRestart'] = []
  for (const s of seen.filter(answered)) {
    const want = wantedValues(c, s.name)
    for (const k of SETTING_KEYS) {
      // Handed over, Patroni writes synchronous_standby_names itself (by name, following its leader).
      if (c.automatic && k === 'synchronous_standby_names') continue
      const server = needsRestart(k) ? s.settings.configured[k] : s.settings.values[k]
      if (!sameValue(k, server, want[k])) drift.push({ member: s.name, setting: k, server, wanted: want[k]! })
    }
    const pending = s.settings.pendingRestart.filter(needsRestart)
    if (pending.length) pendingRestart.push({ member: s.name, settings: pending })
  }
  return { drift, pendingRestart, unread: seen.filter((s) => !answered(s)).map((s) => s.name) }
}
