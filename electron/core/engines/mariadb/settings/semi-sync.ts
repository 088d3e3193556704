// The semi-synchronous settings of one member, as the record wants them, as its server runs
// them, and as its option file says them (pure). Every member carries the primary's settings
// too, so whichever is promoted later waits for acknowledgements the same way.
import type { MariaCluster, MariaMember } from '../model'

export interface SemiSync {
  rpl_semi_sync_master_enabled: 'ON' | 'OFF'
  rpl_semi_sync_master_timeout: string
  rpl_semi_sync_master_wait_point: 'AFTER_SYNC'
  rpl_semi_sync_slave_enabled: 'ON' | 'OFF'
}

export const SEMI_SYNC_VARIABLES = ['rpl_semi_sync_master_enabled', 'rpl_semi_sync_master_timeout', 'rpl_semi_sync_master_wait_point', 'rpl_semi_sync_slave_enabled'] as const

const onOff = (b: boolean) => (b ? 'ON' : 'OFF')

export function wantedSemiSync(c: Pick<MariaCluster, 'semiSync'>, m: Pick<MariaMember, 'sync'>): SemiSync {
  return {
    rpl_semi_sync_master_enabled: onOff(c.semiSync.enabled),
    rpl_semi_sync_master_timeout: String(c.semiSync.timeoutMs),
    rpl_semi_sync_master_wait_point: 'AFTER_SYNC',
    rpl_semi_sync_slave_enabled: onOff(m.sync),
  }
}

/** The SELECT that reads them, in SEMI_SYNC_VARIABLES order. */
export const READ_SEMI_SYNC_SQL = `SELECT ${SEMI_SYNC_VARIABLES.map((v) => `@@GLOBAL.${v}`).join(', ')}`

/** A server's answer to READ_SEMI_SYNC_SQL (booleans come back as 1/0). */
export function parseSemiSync(row: readonly (string | null)[]): SemiSync {
  const b = (x: string | null | undefined) => (x === '1' || x === 'ON' ? 'ON' : 'OFF')
  return { rpl_semi_sync_master_enabled: b(row[0]), rpl_semi_sync_master_timeout: row[1] ?? '', rpl_semi_sync_master_wait_point: 'AFTER_SYNC', rpl_semi_sync_slave_enabled: b(row[3]) } as SemiSync
}

export const sameSemiSync = (a: SemiSync, b: SemiSync, waitPoint: string | null) => waitPoint?.toUpperCase() === 'AFTER_SYNC' && SEMI_SYNC_VARIABLES.every((v) => String(a[v]) === String(b[v]))

/** SET GLOBAL for each (values are ours: ON/OFF, digits, AFTER_SYNC; nothing from outside is inlined). */
export const setSemiSyncSql = (s: SemiSync) => SEMI_SYNC_VARIABLES.map((v) => `SET GLOBAL ${v} = ${v === 'rpl_semi_sync_master_timeout' ? Number(s[v]) : s[v]};`).join('\n')

/**
 * The option file with its semi-sync lines set to `s`, everything else kept as it is (an
 * adopted server's own binlog names stay); lines missing are added at the end of [mariadbd].
 */
export function withSemiSyncLines(text: string, s: SemiSync): string {
  const lines = text.split('\n')
  const seen = new Set<string>()
  const out = lines.map((line) => {
    const k = /^\s*([a-z_-]+)\s*=/.exec(line)?.[1]?.replace(/-/g, '_')
    if (!k || !(SEMI_SYNC_VARIABLES as readonly string[]).includes(k)) return line
    seen.add(k)
    return `${k} = ${s[k as keyof SemiSync]}`
  })
  const missing = SEMI_SYNC_VARIABLES.filter((v) => !seen.has(v)).map((v) => `${v} = ${s[v]}`)
  if (!missing.length) return out.join('\n')
  const end = out.length && out[out.length - 1] === '' ? out.length - 1 : out.length
  return [...out.slice(0, end), ...missing, ...out.slice(end)].join('\n')
}
