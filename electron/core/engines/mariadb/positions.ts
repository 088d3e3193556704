// Every member's role facts, read now (readPositions: roles.ts), and the record's managed
// settings compared with what each server runs (readDrift, adoptSettings). Reads only; a member
// that does not answer is an answer too.
import type { SettingsDrift } from '../engine'
import type { HostExec } from '../host-exec'
import { adoptChanges } from './create-cluster/adopt'
import { readFacts } from './facts'
import { memberOf, type MariaCluster } from './model'
import { MariaNode } from './node'
import { readRoles, type MariaReading } from './roles'

export type { MariaReading } from './roles'

/** Every member's role facts read now (read_only, GTID positions, what it received, its threads, semi-sync); failures are answers. */
export const readPositions = (hosts: HostExec, c: MariaCluster, timeoutMs?: number | ((member: string) => number)): Promise<MariaReading[]> =>
  readRoles(c.members.map((m) => new MariaNode(hosts, m)), timeoutMs)

/** Managed settings that differ on a server (SET GLOBAL ones), and restart-only ones not in effect yet. */
export async function readDrift(hosts: HostExec, c: MariaCluster): Promise<SettingsDrift> {
  const out: SettingsDrift = { drift: [], pendingRestart: [], unread: [] }
  await Promise.all(
    c.members.map(async (m) => {
      try {
        const f = await readFacts(new MariaNode(hosts, m), 10_000)
        const ch = adoptChanges(c, m, f, true)
        out.drift.push(...ch.diffs.map((d) => ({ member: m.name, ...d })))
        if (ch.restartFor.length) out.pendingRestart.push({ member: m.name, settings: ch.restartFor.map((r) => r.split(' ')[0]!) })
      } catch {
        out.unread.push(m.name)
      }
    }),
  )
  return out
}

/** The record with the semi-sync settings the member `name` runs with. */
export async function adoptSettings(hosts: HostExec, c: MariaCluster, name: string): Promise<MariaCluster> {
  const f = await readFacts(new MariaNode(hosts, memberOf(c, name)))
  return { ...c, semiSync: { enabled: f.semiSyncMaster, timeoutMs: f.semiSyncTimeoutMs } }
}
