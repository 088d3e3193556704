// One read of a member for the settings operation: role, the managed settings as the server
// runs them (and whether a restart is pending for them), and who streams from it.
import { z } from 'zod'
import { AppError } from '../../../../../shared/errors'
import type { PgNode } from '../node'
import { lit } from '../sql'
import { SETTING_KEYS, type SettingKey } from './values'

const answer = z.object({
  inRecovery: z.boolean(),
  readOnly: z.boolean(),
  settings: z.record(z.string(), z.tuple([z.string(), z.boolean()])),
  file: z.record(z.string(), z.string()).nullable(),
  streaming: z.array(z.string()),
})

export const settingsQuery = `SELECT json_build_object(
  'inRecovery', pg_is_in_recovery(),
  'readOnly', current_setting('transaction_read_only')::bool,
  'settings', (SELECT json_object_agg(name, json_build_array(current_setting(name), pending_restart)) FROM pg_settings WHERE name IN (${SETTING_KEYS.map(lit).join(', ')})),
  'file', (SELECT json_object_agg(name, setting ORDER BY seqno) FROM pg_file_settings WHERE sourcefile LIKE '%/postgresql.auto.conf' AND name IN (${SETTING_KEYS.map(lit).join(', ')})),
  'streaming', (SELECT coalesce(json_agg(DISTINCT application_name), '[]') FROM pg_stat_replication WHERE state = 'streaming')
)`

export interface MemberSettings {
  name: string
  host: string
  writable: boolean
  /** What it runs with now. */
  values: Record<SettingKey, string>
  /** What it runs with after its next restart (postgresql.auto.conf, else the running value). */
  configured: Record<SettingKey, string>
  pendingRestart: SettingKey[]
  streaming: string[]
}

/** A member's settings read now, or why it could not be read (an answer, not a throw). */
export type SettingsSeen = { name: string; host: string; settings: MemberSettings } | { name: string; host: string; error: AppError }
export const answered = (s: SettingsSeen): s is { name: string; host: string; settings: MemberSettings } => 'settings' in s

export async function readSettings(n: PgNode, timeoutMs = 5000): Promise<SettingsSeen> {
  try {
    const out = (await n.run(n.psql([settingsQuery]), { timeoutMs })).stdout.trim()
    const a = answer.parse(JSON.parse(out.split('\n').at(-1) ?? ''))
    const values = Object.fromEntries(SETTING_KEYS.map((k) => [k, a.settings[k]?.[0] ?? ''])) as Record<SettingKey, string>
    const configured = Object.fromEntries(SETTING_KEYS.map((k) => [k, a.file?.[k] ?? values[k]])) as Record<SettingKey, string>
    const pendingRestart = SETTING_KEYS.filter((k) => a.settings[k]?.[1])
    return { name: n.name, host: n.host, settings: { name: n.name, host: n.host, writable: !a.inRecovery && !a.readOnly, values, configured, pendingRestart, streaming: a.streaming } }
  } catch (err) {
    if (err instanceof AppError) return { name: n.name, host: n.host, error: err }
    return { name: n.name, host: n.host, error: new AppError('internal', `Unexpected answer from PostgreSQL on ${n.host} while reading its settings.`) }
  }
}
