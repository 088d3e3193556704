// The "available" policy's two acts on the primary: relax synchronous_standby_names to what
// the standbys streaming now can meet (none: writes no longer wait for any), and restore the
// record's value once they stream again. Each reads the primary first; nothing is guessed.
import type { HostExec } from '../../host-exec'
import { pgError } from '../errors'
import { memberOf, type PgCluster } from '../model'
import { PgNode } from '../node'
import { alterSystem } from '../statements'
import { degradedSyncValue, satisfiable, syncNames } from '../sync'
import { answered, readSettings } from './read'

async function primaryNow(hosts: HostExec, c: PgCluster, primary: string) {
  const n = new PgNode(hosts, memberOf(c, primary), c.major)
  const seen = await readSettings(n)
  if (!answered(seen)) throw seen.error
  if (!seen.settings.writable) throw pgError('cluster_state', `${primary} on ${n.host} does not accept writes now: nothing to relax or restore there.`, { host: n.host })
  return { n, s: seen.settings }
}

/** Relaxes it on `primary`; returns the value set. */
export async function relaxSync(hosts: HostExec, c: PgCluster, primary: string): Promise<string> {
  const { n, s } = await primaryNow(hosts, c, primary)
  const value = degradedSyncValue(c, syncNames(c, primary), s.streaming)
  if (s.values.synchronous_standby_names !== value) await n.sql([alterSystem('synchronous_standby_names', value), 'SELECT pg_reload_conf()'])
  return value
}

/** Restores the record's value on `primary` when the standbys streaming now meet it; false when they do not yet. */
export async function restoreSync(hosts: HostExec, c: PgCluster, primary: string): Promise<boolean> {
  const { n, s } = await primaryNow(hosts, c, primary)
  const want = syncNames(c, primary)
  if (!satisfiable(want, s.streaming)) return false
  if (s.values.synchronous_standby_names !== want) await n.sql([alterSystem('synchronous_standby_names', want), 'SELECT pg_reload_conf()'])
  return true
}
