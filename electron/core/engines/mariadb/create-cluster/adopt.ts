// adopt: what a running server needs to become the member described, read from the server on
// every attempt (pure judgement once read): the option file ReplicaDesk writes for it (keeping
// the running binary log's basename, and, for a plain server started with an option file of
// its own, that file included first so its other settings stay), the dynamic settings to SET
// GLOBAL now, and the settings only a restart applies (log_bin is one).
import { memberSettings, optionFileText, type KeepFromServer } from '../conf'
import { readFacts, type ServerFacts } from '../facts'
import { readConfig, runningDefaultsFile } from '../instance'
import { optionFile, socketOf, type MariaCluster, type MariaMember } from '../model'
import { lit } from '../sql'
import type { CreateClusterOp } from './context'

/** Settings a running server takes with SET GLOBAL, and how it reports them. */
const DYNAMIC: Record<string, (f: ServerFacts) => string> = {
  server_id: (f) => String(f.serverId),
  binlog_format: (f) => f.binlogFormat,
  gtid_strict_mode: (f) => (f.gtidStrictMode ? 'ON' : 'OFF'),
  rpl_semi_sync_master_enabled: (f) => (f.semiSyncMaster ? 'ON' : 'OFF'),
  rpl_semi_sync_slave_enabled: (f) => (f.semiSyncSlave ? 'ON' : 'OFF'),
  rpl_semi_sync_master_wait_point: (f) => f.semiSyncWaitPoint,
  rpl_semi_sync_master_timeout: (f) => String(f.semiSyncTimeoutMs),
}

/** A dynamic setting whose running value differs from the record's. */
export interface SettingDiff {
  setting: string
  server: string
  wanted: string
}

export interface AdoptTarget {
  facts: ServerFacts
  keep: KeepFromServer
  include?: string
  /** The option file's text as it must be. */
  text: string
  diffs: SettingDiff[]
  /** SET GLOBAL statements for the dynamic settings that differ now. */
  setGlobal: string[]
  /** Restart-only settings the running server does not run with yet (with why, in words). */
  restartFor: string[]
}

/** The binary log basename to keep: the running one, relative when it is in the datadir. */
export function keptBinlog(f: Pick<ServerFacts, 'logBin' | 'logBinBasename' | 'dataDir'>): KeepFromServer {
  if (!f.logBin || !f.logBinBasename) return {}
  const prefix = `${f.dataDir}/`
  return { logBin: f.logBinBasename.startsWith(prefix) ? f.logBinBasename.slice(prefix.length) : f.logBinBasename }
}

/** What differs (pure): SET GLOBAL statements and restart-only settings. `ownFile`: the server runs from ReplicaDesk's option file (plain). */
export function adoptChanges(c: Pick<MariaCluster, 'semiSync'>, m: MariaMember, f: ServerFacts, ownFile: boolean): { diffs: SettingDiff[]; setGlobal: string[]; restartFor: string[] } {
  const wanted = new Map(memberSettings(c, m, keptBinlog(f)))
  const diffs = Object.entries(DYNAMIC)
    .map(([setting, read]) => ({ setting, server: read(f), wanted: wanted.get(setting)! }))
    .filter((d) => d.server.toUpperCase() !== d.wanted.toUpperCase())
  const setGlobal = diffs.map((d) => `SET GLOBAL ${d.setting} = ${/^\d+$/.test(d.wanted) ? d.wanted : lit(d.wanted)}`)
  const restartFor: string[] = []
  if (f.port !== m.port) restartFor.push(`port (${f.port} → ${m.port})`)
  if (f.socket !== socketOf(m)) restartFor.push(`socket (${f.socket} → ${socketOf(m)})`)
  if (f.bindAddress !== m.address) restartFor.push(`bind-address (${f.bindAddress || 'all'} → ${m.address})`)
  if (!f.skipNameResolve) restartFor.push('skip-name-resolve')
  if (!f.logBin) restartFor.push('log_bin (the binary log is off)')
  if (!f.logSlaveUpdates) restartFor.push('log_slave_updates')
  if (m.layout === 'plain' && !ownFile) restartFor.push("ReplicaDesk's option file (the server was started without it)")
  return { diffs, setGlobal, restartFor }
}

export async function readAdoptTarget(op: CreateClusterOp): Promise<AdoptTarget> {
  const { c, m, P } = op
  const facts = await readFacts(P)
  const keep = keptBinlog(facts)
  const started = m.layout === 'plain' ? await runningDefaultsFile(P, facts.pidFile) : undefined
  const ownFile = started === optionFile(m)
  // A plain server started from an option file of its own keeps that file's other settings:
  // read first, ours win. Once it runs from ours, the include is the one ours names.
  const include = m.layout !== 'plain' ? undefined : ownFile ? /^!include (.+)$/m.exec((await readConfig(P)) ?? '')?.[1] : started
  return { facts, keep, include, text: optionFileText(c, m, keep, include), ...adoptChanges(c, m, facts, ownFile) }
}
